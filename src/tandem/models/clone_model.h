// clone_model and plot_model (tf.keras.models.clone_model, tf.keras.utils.plot_model).
#pragma once

#include <memory>
#include <string>

#include "tandem/models/model.h"

namespace tandem {

// A new model with the same architecture and freshly initialised weights (Keras semantics); built
// from the model's config through the layer registry.
std::shared_ptr<Model> clone_model(const Model& model);

struct PlotOptions {
  bool show_shapes = false;
  bool show_layer_names = true;
  std::string rankdir = "TB";  // Graphviz direction: "TB" top-to-bottom or "LR" left-to-right
};

// Writes the model graph as Graphviz dot to `path`; a path ending in .png is rendered with the
// `dot` program (IOError when it is missing or fails), anything else gets the dot text.
void plot_model(const Model& model, const std::string& path, PlotOptions options = {});
// The dot text plot_model writes.
std::string model_to_dot(const Model& model, PlotOptions options = {});

}  // namespace tandem
