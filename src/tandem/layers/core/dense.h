// Dense: activation(inputs @ kernel + bias) over the last axis (tf.keras.layers.Dense).
#pragma once

#include "tandem/activations/activation.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

struct DenseOptions {
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

class Dense : public Layer {
 public:
  explicit Dense(int64_t units, DenseOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  int64_t units() const { return units_; }
  const Variable& kernel() const { return kernel_; }
  const Variable& bias() const { return bias_; }

  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t units_;
  DenseOptions options_;
  Variable kernel_, bias_;
};

// Keras's functional spelling: Dense(64)(x) with x a KerasTensor or a Tensor.
std::shared_ptr<Dense> make_dense(int64_t units, DenseOptions options = {});

}  // namespace tandem::layers
