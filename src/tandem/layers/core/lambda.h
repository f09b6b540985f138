// Lambda: wraps a C++ callable as a layer (tf.keras.layers.Lambda). It has no weights; its config
// records the function's name, so a model holding one rebuilds only when that name was registered
// with register_lambda.
#pragma once

#include <functional>
#include <string>

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

// Makes a function resolvable by name when a Lambda layer is rebuilt from its config.
void register_lambda(const std::string& function_name, LambdaFn fn);

}  // namespace tandem::layers
