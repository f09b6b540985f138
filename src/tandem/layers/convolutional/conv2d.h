// Conv2D: activation(conv2d(inputs, kernel) + bias) over NHWC images (tf.keras.layers.Conv2D).
#pragma once

#include <string>

#include "tandem/activations/activation.h"
#include "tandem/layers/layer.h"
#include "tandem/ops/window.h"

namespace tandem::layers {

struct Conv2DOptions {
  Window2D strides = 1;
  std::string padding = "valid";  // or "same" (Keras spelling; case-insensitive)
  Window2D dilation_rate = 1;
  activations::Activation activation = {};
  bool use_bias = true;
  initializers::InitializerSpec kernel_initializer = nullptr;  // default glorot_uniform
  initializers::InitializerSpec bias_initializer = nullptr;    // default zeros
  RegularizerFn kernel_regularizer = nullptr;
  RegularizerFn bias_regularizer = nullptr;
  ConstraintFn kernel_constraint = nullptr;
  ConstraintFn bias_constraint = nullptr;
  LayerOptions layer = {};
};

class Conv2D : public Layer {
 public:
  Conv2D(int64_t filters, Window2D kernel_size, Conv2DOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  int64_t filters() const { return filters_; }
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }

  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t filters_;
  ops::Window2DSize kernel_size_, strides_, dilation_;
  std::string padding_;  // "valid" or "same"
  Conv2DOptions options_;
  Variable kernel_, bias_;
};

}  // namespace tandem::layers
