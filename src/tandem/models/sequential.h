// Sequential: a plain stack of layers, each with one input and one output (tf.keras.Sequential).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "tandem/models/model.h"

namespace tandem {

class Sequential : public Model {
 public:
  explicit Sequential(std::vector<std::shared_ptr<Layer>> layers = {}, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  // Appends a layer; builds the model at once when the input shape is known (the first layer's
  // input_shape option), as Keras does.
  void add(std::shared_ptr<Layer> layer);
  // Removes the last layer (ValueError when empty).
  void pop();
  std::vector<std::shared_ptr<Layer>> layers() const override { return layers_; }

  // input_shapes[0] includes the batch dimension: build({Shape{-1, 784}}) for Keras's (None, 784).
  void build(const std::vector<Shape>& input_shapes) override;
  void build(const Shape& input_shape) { build(std::vector<Shape>{input_shape}); }
  // Through each layer's compute_output_spec (building the layers, running no kernel for those
  // that define compute_output_shape); builds the model first when it is not built.
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;
  std::vector<OutputSpec> compute_output_spec(const std::vector<Shape>& input_shapes,
                                              const std::vector<DType>& input_dtypes) override;
  json get_config() const override;
  // Keras's names: "<first layer>_input" and the last layer's name.
  std::vector<std::string> input_names() const override;
  std::vector<std::string> output_names() const override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  std::string output_shape_text(const Layer& layer) const override;

 private:
  // Each layer's output for this input (of the first layer's expected dtype when none is given),
  // building the layers on the way.
  std::vector<OutputSpec> propagate(const Shape& input_shape, std::optional<DType> dtype);

  std::vector<std::shared_ptr<Layer>> layers_;
  std::vector<Shape> output_shapes_;  // per layer, filled by build
};

}  // namespace tandem
