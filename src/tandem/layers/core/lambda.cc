#include "tandem/layers/core/lambda.h"

#include <map>
#include <mutex>

#include "tandem/layers/registry.h"

namespace tandem::layers {
namespace {

std::mutex& functions_mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, LambdaFn>& functions() {
  static std::map<std::string, LambdaFn> table;
  return table;
}

LambdaFn single(std::function<Tensor(const Tensor&)> fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "Lambda: the function is empty");
  return [fn = std::move(fn)](const Tensors& inputs) -> Tensors {
    TANDEM_CHECK(inputs.size() == 1, ValueError, "Lambda: this function takes one input, received ",
                 inputs.size());
    return {fn(inputs[0])};
  };
}

}  // namespace

Lambda::Lambda(LambdaFn fn, std::string function_name, LayerOptions options)
    : Layer("Lambda", options), fn_(std::move(fn)), function_name_(std::move(function_name)) {
  TANDEM_CHECK(fn_ != nullptr, ValueError, "Lambda: the function is empty");
}

Lambda::Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name,
               LayerOptions options)
    : Lambda(single(std::move(fn)), std::move(function_name), options) {}

Tensors Lambda::call(const Tensors& inputs, const CallContext&) { return fn_(inputs); }

json Lambda::get_config() const {
  json config = Layer::get_config();
  config["function"] = function_name_;
  return config;
}

std::shared_ptr<Layer> Lambda::from_config(const json& config) {
  std::string name = config.value("function", std::string("lambda"));
  LambdaFn fn;
  {
    std::lock_guard<std::mutex> lock(functions_mutex());
    auto it = functions().find(name);
    if (it != functions().end()) fn = it->second;
  }
  TANDEM_CHECK(fn != nullptr, ValueError, "Lambda.from_config: function '", name,
               "' is unknown; C++ callables cannot be serialised, so register it first with "
               "register_lambda(\"",
               name, "\", fn)");
  return std::make_shared<Lambda>(fn, name, options_from_config(config));
}

void register_lambda(const std::string& function_name, LambdaFn fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_lambda('", function_name,
               "'): the function is empty");
  std::lock_guard<std::mutex> lock(functions_mutex());
  functions()[function_name] = std::move(fn);
}

TANDEM_REGISTER_LAYER(Lambda);

}  // namespace tandem::layers
