#include "tandem/models/sequential.h"

#include "tandem/layers/registry.h"

namespace tandem {

Sequential::Sequential(std::vector<std::shared_ptr<Layer>> layers, LayerOptions options)
    : Model("Sequential", options) {
  set_autocast(false);  // as Keras's graph models: each layer casts its own inputs
  for (auto& l : layers) add(std::move(l));
}

void Sequential::add(std::shared_ptr<Layer> layer) {
  TANDEM_CHECK(layer != nullptr, ValueError, "Sequential '", name(), "': cannot add a null layer");
  for (const auto& l : layers_)
    TANDEM_CHECK(l->name() != layer->name(), ValueError, "Sequential '", name(),
                 "': all layers must have unique names; '", layer->name(), "' is already there");
  layers_.push_back(layer);
  track_layer(layer->name(), layer);
  if (layers_.size() == 1 && layer->declared_input_shape()) {
    std::vector<int64_t> dims = {-1};
    for (int64_t d : layer->declared_input_shape()->dims()) dims.push_back(d);
    build({Shape(dims)});
  } else if (built()) {
    // Keep the recorded shapes valid for the new last layer, which is built for them.
    output_shapes_.push_back(layer->infer_output_spec({output_shapes_.back()}).at(0).shape);
  }
}

void Sequential::pop() {
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential '", name(), "': pop() on an empty model");
  layers_.pop_back();
  if (!output_shapes_.empty() && output_shapes_.size() > layers_.size()) output_shapes_.pop_back();
}

void Sequential::build(const std::vector<Shape>& input_shapes) {
  TANDEM_CHECK(input_shapes.size() == 1, ValueError, "Sequential '", name(),
               "' takes one input, received ", input_shapes.size(), " input shapes");
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential '", name(),
               "': cannot build a model without layers; add() some first");
  output_shapes_.clear();
  for (OutputSpec& out : propagate(input_shapes[0], std::nullopt))
    output_shapes_.push_back(std::move(out.shape));
  Layer::build(input_shapes);
}

std::vector<OutputSpec> Sequential::propagate(const Shape& input_shape,
                                              std::optional<DType> dtype) {
  // Each layer is built for its input (as a Keras symbolic call builds it) and gives its output
  // from compute_output_shape: no kernel runs for layers that define it.
  std::vector<OutputSpec> outputs;
  Shape shape = input_shape;
  for (const auto& l : layers_) {
    std::vector<OutputSpec> out =
        dtype ? l->infer_output_spec({shape}, {*dtype}) : l->infer_output_spec({shape});
    TANDEM_CHECK(out.size() == 1, ValueError, "Sequential '", name(), "': layer '", l->name(),
                 "' returns ", out.size(), " outputs; Sequential layers need exactly one");
    shape = out[0].shape;
    dtype = out[0].dtype;
    outputs.push_back(std::move(out[0]));
  }
  return outputs;
}

std::vector<OutputSpec> Sequential::compute_output_spec(const std::vector<Shape>& input_shapes,
                                                        const std::vector<DType>& input_dtypes) {
  TANDEM_CHECK(input_shapes.size() == 1 && input_dtypes.size() == 1, ValueError, "Sequential '",
               name(), "' takes one input, received ", input_shapes.size(), " input shapes");
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential '", name(), "' has no layers");
  // Callers that build a model from its saved input shapes rely on this building it.
  if (!built()) build(input_shapes);
  return {propagate(input_shapes[0], input_dtypes[0]).back()};
}

std::vector<Shape> Sequential::compute_output_shape(const std::vector<Shape>& input_shapes) {
  TANDEM_CHECK(input_shapes.size() == 1, ValueError, "Sequential '", name(),
               "' takes one input, received ", input_shapes.size(), " input shapes");
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential '", name(), "' has no layers");
  if (!built()) build(input_shapes);
  return {propagate(input_shapes[0], std::nullopt).back().shape};
}

Tensors Sequential::call(const Tensors& inputs, const CallContext&) {
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential '", name(), "' has no layers to call");
  Tensors x = inputs;
  for (const auto& l : layers_) x = (*l)(x);  // training flag inherited from this call
  return x;
}

std::string Sequential::output_shape_text(const Layer& layer) const {
  for (size_t i = 0; i < layers_.size() && i < output_shapes_.size(); ++i)
    if (layers_[i].get() == &layer) return keras_shape_text({output_shapes_[i]});
  return "?";
}

json Sequential::get_config() const {
  json layers = json::array();
  for (const auto& l : layers_) layers.push_back(serialize_layer(*l));
  return {{"name", name()}, {"layers", layers}};
}

std::shared_ptr<Layer> Sequential::from_config(const json& config) {
  LayerOptions o = options_from_config(config);
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{}, o);
  for (const json& l : config.value("layers", json::array())) model->add(layer_from_config(l));
  return model;
}

TANDEM_REGISTER_LAYER(Sequential);

std::vector<std::string> Sequential::input_names() const {
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential model '", name(), "' has no layers");
  return {layers_.front()->name() + "_input"};
}

std::vector<std::string> Sequential::output_names() const {
  TANDEM_CHECK(!layers_.empty(), ValueError, "Sequential model '", name(), "' has no layers");
  return {layers_.back()->name()};
}

}  // namespace tandem
