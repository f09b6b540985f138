// Merging layers: Concatenate (along an axis) and Add (element-wise sum) of several inputs.
#pragma once

#include "tandem/layers/layer.h"

namespace tandem::layers {

class Concatenate : public Layer {
 public:
  explicit Concatenate(int64_t axis = -1, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t axis_;
};

// Keras's functional spelling: concatenate({a, b}, axis) builds a Concatenate layer and calls it.
KerasTensor concatenate(const std::vector<KerasTensor>& inputs, int64_t axis = -1);
Tensor concatenate(const Tensors& inputs, int64_t axis = -1);

class Add : public Layer {
 public:
  explicit Add(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
};

}  // namespace tandem::layers
