// Functional models: Input -> layer calls on KerasTensors -> Model(inputs, outputs).
//   KerasTensor x = Input(Shape{784});
//   KerasTensor h = (*std::make_shared<Dense>(64, DenseOptions{.activation = "relu"}))(x);
//   auto model = std::make_shared<Functional>(std::vector{x}, std::vector{(*make_dense(10))(h)});
// Several inputs and outputs, layers shared between calls (one set of weights) and nested models
// work; the graph runs in topological order.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "tandem/layers/core/input_layer.h"
#include "tandem/models/model.h"

namespace tandem {

class Functional : public Model {
 public:
  Functional(std::vector<KerasTensor> inputs, std::vector<KerasTensor> outputs,
             std::string name = "");

  // Keras's functional config: layers with their inbound nodes, input_layers, output_layers.
  json get_config() const override;
  static std::shared_ptr<Layer> from_config(const json& config);

  std::vector<std::shared_ptr<Layer>> layers() const override { return layers_; }
  const std::vector<KerasTensor>& inputs() const { return inputs_; }
  const std::vector<KerasTensor>& outputs() const { return outputs_; }
  std::vector<std::string> input_names() const override;
  std::vector<std::string> output_names() const override;
  // Through the graph, each layer's compute_output_spec in turn: no kernel runs for layers that
  // define compute_output_shape.
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;
  std::vector<OutputSpec> compute_output_spec(const std::vector<Shape>& input_shapes,
                                              const std::vector<DType>& input_dtypes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  bool sequential_like() const override;

 public:
  std::vector<SummaryRow> summary_rows() const override;

 private:
  std::vector<KerasTensor> inputs_, outputs_;
  std::vector<std::shared_ptr<Node>> nodes_;  // topological order, InputLayer nodes first
  std::vector<std::shared_ptr<Layer>> layers_;
};

// Keras's spelling: Model(inputs, outputs, name).
std::shared_ptr<Functional> make_model(std::vector<KerasTensor> inputs,
                                       std::vector<KerasTensor> outputs, std::string name = "");

}  // namespace tandem
