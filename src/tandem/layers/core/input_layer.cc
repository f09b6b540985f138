#include "tandem/layers/core/input_layer.h"

#include "tandem/layers/registry.h"

namespace tandem {
namespace layers {

namespace {
Shape with_batch(const Shape& shape, std::optional<int64_t> batch) {
  std::vector<int64_t> dims = {batch.value_or(-1)};
  for (int64_t d : shape.dims()) dims.push_back(d);
  return Shape(dims);
}
}  // namespace

InputLayer::InputLayer(const Shape& shape, InputOptions options)
    : Layer("InputLayer",
            {.name = options.name.empty() ? unique_layer_name("input", /*zero_based=*/false)
                                          : options.name,
             .trainable = false,
             .dtype = options.dtype}),
      batch_shape_(with_batch(shape, options.batch_size)),
      input_dtype_(options.dtype) {
  for (int64_t d : shape.dims())
    TANDEM_CHECK(d >= -1, ValueError, "Input: dimensions must be >= 0 or -1 (None), received ",
                 shape.to_list_string());
  set_input_spec({.ndim = batch_shape_.rank(), .dtype = options.dtype});
  set_autocast(false);  // the input spec names the one dtype it accepts
}

std::vector<Shape> InputLayer::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // passes its input through
}

json InputLayer::get_config() const {
  json dims = json::array();
  for (int64_t d : batch_shape_.dims()) dims.push_back(d < 0 ? json(nullptr) : json(d));
  return {{"batch_input_shape", dims}, {"dtype", dtype_name(input_dtype_)}, {"name", name()}};
}

std::shared_ptr<Layer> InputLayer::from_config(const json& config) {
  std::vector<int64_t> dims;
  const json& b = config.at("batch_input_shape");
  for (size_t i = 1; i < b.size(); ++i) dims.push_back(b[i].is_null() ? -1 : b[i].get<int64_t>());
  InputOptions o{.dtype = dtype_from_name(config.value("dtype", std::string("float32"))),
                 .name = config.value("name", std::string())};
  if (!b.empty() && !b[0].is_null()) o.batch_size = b[0].get<int64_t>();
  return std::make_shared<InputLayer>(Shape(dims), o);
}

TANDEM_REGISTER_LAYER(InputLayer);

}  // namespace layers

KerasTensor Input(const Shape& shape, InputOptions options) {
  return input_tensor(std::make_shared<layers::InputLayer>(shape, options));
}

KerasTensor input_tensor(const std::shared_ptr<layers::InputLayer>& layer) {
  auto node = std::make_shared<Node>();
  node->layer = layer;
  node->output_shapes = {layer->batch_input_shape()};
  return KerasTensor(layer->batch_input_shape(), layer->input_dtype(), node, 0);
}

}  // namespace tandem
