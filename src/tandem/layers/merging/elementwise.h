// Element-wise merging layers (tf.keras.layers): Subtract (exactly two inputs), Multiply, Average,
// Maximum and Minimum (two or more inputs). Add lives with Concatenate in concatenate.h.
#pragma once

#include "tandem/layers/layer.h"

namespace tandem::layers {

// Shared input checks: at least `min_inputs` (Subtract: exactly 2) inputs of one shape.
class ElementwiseMerge : public Layer {
 public:
  // The inputs' common shape (every input has one shape; unknown dimensions take a known one).
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  ElementwiseMerge(std::string class_name, LayerOptions options, bool exactly_two = false);
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  virtual Tensor merge(const Tensors& inputs) const = 0;

 private:
  bool exactly_two_;
};

class Subtract : public ElementwiseMerge {
 public:
  explicit Subtract(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor merge(const Tensors& inputs) const override;
};

class Multiply : public ElementwiseMerge {
 public:
  explicit Multiply(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor merge(const Tensors& inputs) const override;
};

class Average : public ElementwiseMerge {
 public:
  explicit Average(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor merge(const Tensors& inputs) const override;
};

class Maximum : public ElementwiseMerge {
 public:
  explicit Maximum(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor merge(const Tensors& inputs) const override;
};

class Minimum : public ElementwiseMerge {
 public:
  explicit Minimum(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor merge(const Tensors& inputs) const override;
};

}  // namespace tandem::layers
