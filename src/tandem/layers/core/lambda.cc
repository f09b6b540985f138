#include "tandem/layers/core/lambda.h"

#include "tandem/layers/registry.h"

namespace tandem::layers {
namespace {

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
  // C++ callables cannot be serialised: the name must resolve (custom_objects, then registered).
  TANDEM_CHECK(lambda_registry().contains(name), ValueError, "Lambda.from_config: function '", name,
               "' is unknown; C++ callables cannot be serialised, so pass it in custom_objects or "
               "register it first with register_lambda(\"",
               name, "\", fn) or TANDEM_REGISTER_LAMBDA(", name, ", fn)");
  LambdaFn fn = lambda_registry().make(name, config);
  TANDEM_CHECK(fn != nullptr, ValueError, "Lambda.from_config: the factory for function '", name,
               "' returned an empty function");
  return std::make_shared<Lambda>(std::move(fn), name, options_from_config(config));
}

Registry<LambdaFn>& lambda_registry() {
  static Registry<LambdaFn> registry("Lambda function", "TANDEM_REGISTER_LAMBDA");
  return registry;
}

bool register_lambda(const std::string& function_name, LambdaFn fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_lambda('", function_name,
               "'): the function is empty");
  return lambda_registry().add(function_name,
                               [fn = std::move(fn)](const json&) -> LambdaFn { return fn; });
}

TANDEM_REGISTER_LAYER(Lambda);

}  // namespace tandem::layers
