// Activation layers: Activation(name), LeakyReLU, ELU and Softmax (tf.keras.layers).
#pragma once

#include "tandem/activations/activation.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

// Applies a named activation ("relu", "tanh", ...) or a callable element-wise.
class Activation : public Layer {
 public:
  explicit Activation(activations::Activation activation, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  activations::Activation activation_;
};

// x for x >= 0, alpha * x below (Keras's default alpha is 0.3).
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(double alpha = 0.3, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  double alpha_;
};

// x for x > 0, alpha * (exp(x) - 1) below.
class ELU : public Layer {
 public:
  explicit ELU(double alpha = 1.0, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  double alpha_;
};

// exp(x) / sum(exp(x)) along `axis`.
class Softmax : public Layer {
 public:
  explicit Softmax(int64_t axis = -1, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t axis_;
};

}  // namespace tandem::layers
