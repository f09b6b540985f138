// Input / InputLayer: the entry point of a functional model (tf.keras.Input).
#pragma once

#include "tandem/layers/layer.h"

namespace tandem {

struct InputOptions {
  DType dtype = float32;
  std::string name = "";
  std::optional<int64_t> batch_size = std::nullopt;  // unknown (None) by default
};

namespace layers {

class InputLayer : public Layer {
 public:
  // `shape` excludes the batch dimension, as Keras's Input(shape=...).
  InputLayer(const Shape& shape, InputOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;
  // The full shape, batch dimension first (-1 when unknown).
  const Shape& batch_input_shape() const { return batch_shape_; }
  DType input_dtype() const { return input_dtype_; }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override { return inputs; }

 private:
  Shape batch_shape_;
  DType input_dtype_;
};

}  // namespace layers

// A symbolic input of the given shape (without the batch dimension): Input(Shape{784}).
KerasTensor Input(const Shape& shape, InputOptions options = {});
// The symbolic tensor of an existing InputLayer (used when rebuilding a model from its config).
KerasTensor input_tensor(const std::shared_ptr<layers::InputLayer>& layer);

}  // namespace tandem
