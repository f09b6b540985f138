// Lambda: wraps a C++ callable as a layer (tf.keras.layers.Lambda). It has no weights; its config
// records the function's name, so a model holding one rebuilds only when that name resolves: in
// custom_objects (a factory returning a LambdaFn), or registered with TANDEM_REGISTER_LAMBDA /
// register_lambda in lambda_registry(), the one registry template every kind uses
// (core/registry.h).
#pragma once

#include <functional>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

using LambdaFn = std::function<Tensors(const Tensors& inputs)>;

class Lambda : public Layer {
 public:
  // `function_name` identifies fn in configs ("lambda" when it is anonymous).
  Lambda(LambdaFn fn, std::string function_name = "lambda", LayerOptions options = {});
  // Single-tensor convenience: Lambda([](const Tensor& x) { return x * 2.0; }).
  Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name = "lambda",
         LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  LambdaFn fn_;
  std::string function_name_;
};

// The Lambda functions by name. A factory in custom_objects returns a LambdaFn:
//   load_model(path, {{"double_it", [](const json&) { return layers::LambdaFn(double_it); }}})
Registry<LambdaFn>& lambda_registry();
// Makes a function resolvable by name when a Lambda layer is rebuilt from its config (replaces an
// earlier function of the same name); returns true so a static initialiser can call it.
bool register_lambda(const std::string& function_name, LambdaFn fn);

}  // namespace tandem::layers

// Registers a Lambda function under `name` (a bare identifier), at file scope:
//   TANDEM_REGISTER_LAMBDA(double_it, [](const Tensors& in) -> Tensors { return {in[0] * 2.0}; });
#define TANDEM_REGISTER_LAMBDA(name, fn) \
  TANDEM_REGISTER_STATIC(::tandem::layers::register_lambda(#name, fn))
