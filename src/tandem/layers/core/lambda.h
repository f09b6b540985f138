// Lambda: wraps a C++ callable as a layer (tf.keras.layers.Lambda). It has no weights; its config
// records the function's name, so a model holding one rebuilds only when that name resolves: in
// custom_objects (a factory returning a LambdaFn), or registered with TANDEM_REGISTER_LAMBDA /
// register_lambda in lambda_registry(), the one registry template every kind uses
// (core/registry.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "tandem/core/registry.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

using LambdaFn = std::function<Tensors(const Tensors& inputs)>;
using LambdaShapeFn = std::function<std::vector<Shape>(const std::vector<Shape>& input_shapes)>;

// Keras's Lambda output_shape: the shape of each sample (the batch dimension is the first
// input's), or a function from the input shapes to the full output shapes. Only the first form is
// kept in the config; a rebuilt layer with the second infers its shapes by calling the function.
class LambdaOutputShape {
 public:
  LambdaOutputShape(Shape per_sample);  // NOLINT: implicit, Lambda(fn, "f", Shape{4})
  LambdaOutputShape(LambdaShapeFn fn);  // NOLINT
  template <class F, std::enable_if_t<
                         std::is_invocable_r_v<std::vector<Shape>, F&, const std::vector<Shape>&> &&
                             !std::is_same_v<std::decay_t<F>, LambdaShapeFn>,
                         int> = 0>
  LambdaOutputShape(F fn) : LambdaOutputShape(LambdaShapeFn(std::move(fn))) {}  // NOLINT

  std::vector<Shape> operator()(const std::vector<Shape>& input_shapes) const;
  const std::optional<Shape>& per_sample() const { return per_sample_; }

 private:
  std::optional<Shape> per_sample_;
  LambdaShapeFn fn_;
};

class Lambda : public Layer {
 public:
  // `function_name` identifies fn in configs ("lambda" when it is anonymous).
  Lambda(LambdaFn fn, std::string function_name = "lambda", LayerOptions options = {});
  // Single-tensor convenience: Lambda([](const Tensor& x) { return x * 2.0; }).
  Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name = "lambda",
         LayerOptions options = {});
  // With Keras's output_shape, a symbolic call computes the shapes without running fn.
  Lambda(LambdaFn fn, std::string function_name, LambdaOutputShape output_shape,
         LayerOptions options = {});
  Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name,
         LambdaOutputShape output_shape, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  // From output_shape when it was given; otherwise by running fn on placeholders.
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  LambdaFn fn_;
  std::string function_name_;
  std::optional<LambdaOutputShape> output_shape_;
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
