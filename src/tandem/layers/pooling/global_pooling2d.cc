#include "tandem/layers/pooling/global_pooling2d.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/reduction.h"

namespace tandem::layers {

namespace {
json global_config(json config, bool keepdims) {
  config["data_format"] = "channels_last";
  config["keepdims"] = keepdims;
  return config;
}

GlobalPooling2DOptions global_options(const json& config) {
  std::string format = config.value("data_format", std::string("channels_last"));
  TANDEM_CHECK(format == "channels_last", ValueError,
               "GlobalPooling2D: only data_format 'channels_last' is supported, received '", format,
               "'");
  return {.keepdims = config.value("keepdims", false), .layer = Layer::options_from_config(config)};
}
// [batch, h, w, c] -> [batch, c], or [batch, 1, 1, c] with keepdims.
Shape global_output_shape(const Shape& s, bool keepdims) {
  return keepdims ? Shape{s[0], 1, 1, s[3]} : Shape{s[0], s[3]};
}

}  // namespace

GlobalAveragePooling2D::GlobalAveragePooling2D(GlobalPooling2DOptions options)
    : Layer("GlobalAveragePooling2D", options.layer), keepdims_(options.keepdims) {
  set_input_spec({.ndim = 4});
}

std::vector<Shape> GlobalAveragePooling2D::compute_output_shape(
    const std::vector<Shape>& input_shapes) {
  return {global_output_shape(single_input_shape(input_shapes), keepdims_)};
}

Tensors GlobalAveragePooling2D::call(const Tensors& inputs, const CallContext&) {
  return {reduce_mean(inputs[0], {.axis = std::vector<int64_t>{1, 2}, .keepdims = keepdims_})};
}

json GlobalAveragePooling2D::get_config() const {
  return global_config(Layer::get_config(), keepdims_);
}

std::shared_ptr<Layer> GlobalAveragePooling2D::from_config(const json& config) {
  return std::make_shared<GlobalAveragePooling2D>(global_options(config));
}

GlobalMaxPooling2D::GlobalMaxPooling2D(GlobalPooling2DOptions options)
    : Layer("GlobalMaxPooling2D", options.layer), keepdims_(options.keepdims) {
  set_input_spec({.ndim = 4});
}

std::vector<Shape> GlobalMaxPooling2D::compute_output_shape(
    const std::vector<Shape>& input_shapes) {
  return {global_output_shape(single_input_shape(input_shapes), keepdims_)};
}

Tensors GlobalMaxPooling2D::call(const Tensors& inputs, const CallContext&) {
  return {reduce_max(inputs[0], {.axis = std::vector<int64_t>{1, 2}, .keepdims = keepdims_})};
}

json GlobalMaxPooling2D::get_config() const {
  return global_config(Layer::get_config(), keepdims_);
}

std::shared_ptr<Layer> GlobalMaxPooling2D::from_config(const json& config) {
  return std::make_shared<GlobalMaxPooling2D>(global_options(config));
}

TANDEM_REGISTER_LAYER(GlobalAveragePooling2D);
TANDEM_REGISTER_LAYER(GlobalMaxPooling2D);

}  // namespace tandem::layers
