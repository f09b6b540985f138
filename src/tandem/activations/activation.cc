#include "tandem/activations/activation.h"

#include <map>
#include <mutex>

#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::activations {
namespace {

using Fn = std::function<Tensor(const Tensor&)>;

std::map<std::string, Fn>& custom_registry() {
  static std::map<std::string, Fn> registry;
  return registry;
}
std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}

const std::map<std::string, Fn>& builtins() {
  static const std::map<std::string, Fn> table = {
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"relu6", [](const Tensor& x) { return relu6(x); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"hard_sigmoid", [](const Tensor& x) { return clip_by_value(x * 0.2 + 0.5, 0.0, 1.0); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"softmax", [](const Tensor& x) { return softmax(x, -1); }},
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

}  // namespace

Activation::Activation(const char* keras_name) : Activation(get(keras_name)) {}
Activation::Activation(const std::string& keras_name) : Activation(get(keras_name)) {}
Activation::Activation(std::string custom_name, std::function<Tensor(const Tensor&)> f)
    : name(std::move(custom_name)), fn(std::move(f)) {}

Activation get(const std::string& name) {
  if (name.empty() || name == "linear" || name == "None") return Activation();
  auto it = builtins().find(name);
  if (it != builtins().end()) return Activation(name, it->second);
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto c = custom_registry().find(name);
    if (c != custom_registry().end()) return Activation(name, c->second);
  }
  throw ValueError(
      "unknown activation '" + name +
      "': expected one of relu, sigmoid, tanh, softmax, elu, selu, softplus, softsign, "
      "swish, gelu, exponential, linear (or a name given to register_activation)");
}

void register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_activation('", name,
               "'): the function is empty");
  std::lock_guard<std::mutex> lock(registry_mutex());
  custom_registry()[name] = std::move(fn);
}

}  // namespace tandem::activations
