// Model: a Layer that groups layers and (with the training work) compiles and fits. This part holds
// what every model kind shares: the layer list, lookup, and Keras's summary().
#pragma once

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tandem/layers/layer.h"

namespace tandem {

class Model : public Layer {
 public:
  Model(std::string class_name, LayerOptions options) : Layer(std::move(class_name), options) {}

  // The model's layers in order (for a subclassed model: the tracked ones).
  virtual std::vector<std::shared_ptr<Layer>> layers() const { return layers_tracked(); }
  // By name; ValueError listing the names when there is none.
  std::shared_ptr<Layer> get_layer(const std::string& name) const;
  // By position; ValueError when out of range.
  std::shared_ptr<Layer> get_layer(int index) const;

  // Keras's table: layer (type), output shape, param #, totals; 65 columns, or 98 with
  // "Connected to" for graph models.
  std::string summary_string() const;
  void summary(std::ostream& out = std::cout) const { out << summary_string(); }

  // One row per layer: name, type, output shape text, parameter count.
  struct SummaryRow {
    std::string layer;
    std::string output_shape;
    int64_t params = 0;
    std::vector<std::string> connected_to = {};  // "dense[0][0]" per inbound tensor
  };
  virtual std::vector<SummaryRow> summary_rows() const;

 protected:
  // Keras prints graphs that are not a plain chain with a "Connected to" column.
  virtual bool sequential_like() const { return true; }
  // Output shape of `layer` as Keras prints it ("(None, 3)"), or "multiple"/"?" when unknown.
  virtual std::string output_shape_text(const Layer& layer) const;
};

// "(None, 3)" for one shape, "[(None, 3), (None, 4)]" for several.
std::string keras_shape_text(const std::vector<Shape>& shapes);
// 244522 -> "244,522".
std::string with_thousands(int64_t n);

}  // namespace tandem
