#include "tandem/layers/pooling/pooling2d.h"

#include <algorithm>

#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"
#include "tandem/ops/nn.h"

namespace tandem::layers {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Window2D window_from_json(const json& j) {
  if (j.is_number_integer()) return j.get<int64_t>();
  return j.get<std::vector<int64_t>>();
}
}  // namespace

Pooling2D::Pooling2D(std::string class_name, Pooling2DOptions options)
    : Layer(class_name, options.layer),
      pool_size_(ops::window_2d(class_name.c_str(), "pool_size", options.pool_size)),
      strides_(ops::window_2d(class_name.c_str(), "strides",
                              options.strides.value_or(options.pool_size))),
      padding_(lower(options.padding)) {
  TANDEM_CHECK(pool_size_.h > 0 && pool_size_.w > 0 && strides_.h > 0 && strides_.w > 0, ValueError,
               class_name, ": expected pool_size and strides > 0, received pool_size (",
               pool_size_.h, ", ", pool_size_.w, ") and strides (", strides_.h, ", ", strides_.w,
               ")");
  TANDEM_CHECK(padding_ == "valid" || padding_ == "same", ValueError, class_name,
               ": expected padding 'valid' or 'same', received '", options.padding, "'");
  set_input_spec({.ndim = 4});
}

std::vector<Shape> Pooling2D::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  return {Shape{
      s[0], conv_output_length(class_name(), "height", s[1], pool_size_.h, strides_.h, 1, padding_),
      conv_output_length(class_name(), "width", s[2], pool_size_.w, strides_.w, 1, padding_),
      s[3]}};
}

Tensors Pooling2D::call(const Tensors& inputs, const CallContext&) {
  return {pool(inputs[0], {pool_size_.h, pool_size_.w}, {strides_.h, strides_.w},
               padding_ == "valid" ? "VALID" : "SAME")};
}

json Pooling2D::get_config() const {
  json config = Layer::get_config();
  config["pool_size"] = {pool_size_.h, pool_size_.w};
  config["padding"] = padding_;
  config["strides"] = {strides_.h, strides_.w};
  config["data_format"] = "channels_last";
  return config;
}

Pooling2DOptions Pooling2D::options_from_pooling_config(const json& config) {
  std::string format = config.value("data_format", std::string("channels_last"));
  TANDEM_CHECK(format == "channels_last", ValueError,
               "Pooling2D: only data_format 'channels_last' is supported, received '", format, "'");
  Pooling2DOptions o;
  if (config.contains("pool_size")) o.pool_size = window_from_json(config["pool_size"]);
  if (config.contains("strides") && !config["strides"].is_null())
    o.strides = window_from_json(config["strides"]);
  o.padding = config.value("padding", std::string("valid"));
  o.layer = options_from_config(config);
  return o;
}

MaxPooling2D::MaxPooling2D(Pooling2DOptions options)
    : Pooling2D("MaxPooling2D", std::move(options)) {}

Tensor MaxPooling2D::pool(const Tensor& x, const Window2D& ksize, const Window2D& strides,
                          const std::string& padding) const {
  return max_pool2d(x, ksize, strides, padding);
}

std::shared_ptr<Layer> MaxPooling2D::from_config(const json& config) {
  return std::make_shared<MaxPooling2D>(options_from_pooling_config(config));
}

AveragePooling2D::AveragePooling2D(Pooling2DOptions options)
    : Pooling2D("AveragePooling2D", std::move(options)) {}

Tensor AveragePooling2D::pool(const Tensor& x, const Window2D& ksize, const Window2D& strides,
                              const std::string& padding) const {
  return avg_pool2d(x, ksize, strides, padding);
}

std::shared_ptr<Layer> AveragePooling2D::from_config(const json& config) {
  return std::make_shared<AveragePooling2D>(options_from_pooling_config(config));
}

TANDEM_REGISTER_LAYER(MaxPooling2D);
TANDEM_REGISTER_LAYER(AveragePooling2D);
// Keras registers the short aliases too; they deserialize to the same classes.
static const bool tandem_registered_MaxPool2D = ::tandem::register_layer(
    "MaxPool2D", [](const json& config) { return MaxPooling2D::from_config(config); });
static const bool tandem_registered_AvgPool2D = ::tandem::register_layer(
    "AvgPool2D", [](const json& config) { return AveragePooling2D::from_config(config); });

}  // namespace tandem::layers
