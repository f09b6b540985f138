#include "tandem/activations/activation.h"

#include <map>
#include <optional>

#include "tandem/activations/keras_logits.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::activations {
namespace {

using Fn = std::function<Tensor(const Tensor&)>;

// A plain function, so that Activation::is_relu can recognise it inside the std::function.
Tensor builtin_relu(const Tensor& x) { return relu(x); }

const std::map<std::string, Fn>& builtins() {
  static const std::map<std::string, Fn> table = {
      {"relu", builtin_relu},
      {"relu6", [](const Tensor& x) { return relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"sigmoid",
       [](const Tensor& x) {
         Tensor y = sigmoid(x);
         remember_logits(y, x, LogitsOf::kSigmoid);  // Keras's _keras_logits (keras_logits.h)
         return y;
       }},
      {"hard_sigmoid", [](const Tensor& x) { return clip_by_value(x * 0.2 + 0.5, 0.0, 1.0); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"softmax",
       [](const Tensor& x) {
         Tensor y = softmax(x, -1);
         remember_logits(y, x, LogitsOf::kSoftmax);
         return y;
       }},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x, -1); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"selu", [](const Tensor& x) { return selu(x); }},
      {"softplus", [](const Tensor& x) { return softplus(x); }},
      {"softsign", [](const Tensor& x) { return softsign(x); }},
      {"swish", [](const Tensor& x) { return swish(x); }},
      {"silu", [](const Tensor& x) { return swish(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"exponential", [](const Tensor& x) { return exp(x); }},
  };
  return table;
}

// An activation has no config: its factory ignores the one it is given.
Registry<Activation>::Factory named(const std::string& name, Fn fn) {
  return [name, fn](const nlohmann::json&) { return Activation(name, fn); };
}

std::map<std::string, Registry<Activation>::Factory> builtin_factories() {
  std::map<std::string, Registry<Activation>::Factory> out;
  for (const auto& [name, fn] : builtins()) out[name] = named(name, fn);
  return out;
}

}  // namespace

Activation::Activation(const char* keras_name) : Activation(get(keras_name)) {}
Activation::Activation(const std::string& keras_name) : Activation(get(keras_name)) {}
Activation::Activation(std::string custom_name, std::function<Tensor(const Tensor&)> f)
    : name(std::move(custom_name)), fn(std::move(f)) {}

bool Activation::is_relu() const {
  using Pointer = Tensor (*)(const Tensor&);
  const Pointer* target = fn.target<Pointer>();
  return target != nullptr && *target == &builtin_relu;
}

Registry<Activation>& activation_registry() {
  static Registry<Activation> registry("activation", "TANDEM_REGISTER_ACTIVATION",
                                       builtin_factories());
  return registry;
}

Activation get(const std::string& name) {
  if (name.empty() || name == "linear" || name == "None") return Activation();
  if (std::optional<Registry<Activation>::Factory> f = activation_registry().find(name)) {
    return (*f)(nlohmann::json::object());
  }
  throw ValueError(
      "unknown activation '" + name +
      "': expected one of relu, sigmoid, tanh, softmax, elu, selu, softplus, softsign, "
      "swish, gelu, exponential, linear; pass a custom one in custom_objects or register it with "
      "TANDEM_REGISTER_ACTIVATION(" +
      name + ", fn)");
}

bool register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_activation('", name,
               "'): the function is empty");
  return activation_registry().add(name, named(name, std::move(fn)));
}

}  // namespace tandem::activations
