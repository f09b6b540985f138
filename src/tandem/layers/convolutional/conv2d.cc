#include "tandem/layers/convolutional/conv2d.h"

#include <algorithm>

#include "tandem/layers/core/kernel_bias_config.h"
#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"
#include "tandem/ops/math.h"
#include "tandem/ops/nn.h"

namespace tandem::layers {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

json pair_json(const ops::Window2DSize& w) { return json::array({w.h, w.w}); }

Window2D window_from_json(const json& j, int64_t fallback) {
  if (j.is_null()) return fallback;
  if (j.is_number_integer()) return j.get<int64_t>();
  return j.get<std::vector<int64_t>>();
}
}  // namespace

Conv2D::Conv2D(int64_t filters, Window2D kernel_size, Conv2DOptions options)
    : Layer("Conv2D", options.layer),
      filters_(filters),
      kernel_size_(ops::window_2d("Conv2D", "kernel_size", kernel_size)),
      strides_(ops::window_2d("Conv2D", "strides", options.strides)),
      dilation_(ops::window_2d("Conv2D", "dilation_rate", options.dilation_rate)),
      padding_(lower(options.padding)),
      options_(std::move(options)) {
  TANDEM_CHECK(filters > 0, ValueError, "Conv2D: expected filters > 0, received ", filters);
  TANDEM_CHECK(kernel_size_.h > 0 && kernel_size_.w > 0, ValueError,
               "Conv2D: expected kernel_size > 0, received (", kernel_size_.h, ", ", kernel_size_.w,
               ")");
  TANDEM_CHECK(padding_ == "valid" || padding_ == "same", ValueError,
               "Conv2D: expected padding 'valid' or 'same', received '", options_.padding, "'");
  TANDEM_CHECK((strides_.h == 1 && strides_.w == 1) || (dilation_.h == 1 && dilation_.w == 1),
               ValueError, "Conv2D: strides > 1 together with dilation_rate > 1 is not supported");
  set_input_spec({.ndim = 4});
}

void Conv2D::build(const std::vector<Shape>& input_shapes) {
  const Shape& s = input_shapes.at(0);
  int64_t channels = s[3];
  TANDEM_CHECK(channels > 0, ShapeError, "Conv2D '", name(),
               "': the channel dimension of the input must be known, received ",
               s.to_list_string());
  kernel_ = add_weight("kernel", Shape{kernel_size_.h, kernel_size_.w, channels, filters_},
                       {.initializer = options_.kernel_initializer,
                        .regularizer = options_.kernel_regularizer,
                        .constraint = options_.kernel_constraint});
  if (options_.use_bias) {
    bias_ = add_weight("bias", Shape{filters_},
                       {.initializer = options_.bias_initializer ? options_.bias_initializer
                                                                 : initializers::zeros(),
                        .regularizer = options_.bias_regularizer,
                        .constraint = options_.bias_constraint});
  }
  set_input_spec({.ndim = 4, .axes = {{-1, channels}}});
  Layer::build(input_shapes);
}

std::vector<Shape> Conv2D::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  return {Shape{s[0],
                conv_output_length(class_name(), "height", s[1], kernel_size_.h, strides_.h,
                                   dilation_.h, padding_),
                conv_output_length(class_name(), "width", s[2], kernel_size_.w, strides_.w,
                                   dilation_.w, padding_),
                filters_}};
}

Tensors Conv2D::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  // x arrives in compute_dtype(), the kernel's dtype (Layer's autocast).
  const Conv2DOpOptions op_options{.strides = {strides_.h, strides_.w},
                                   .padding = upper(padding_),
                                   .dilations = {dilation_.h, dilation_.w}};
  const Tensor bias = options_.use_bias ? bias_.value() : Tensor();
  // The bias and a ReLU are applied as the convolution writes its output (one op, one gradient
  // node); other activations follow as their own op.
  if (options_.activation.is_relu())
    return {fused_conv2d(x, kernel_.value(), bias, FusedActivation::kRelu, op_options)};
  return {options_.activation(
      fused_conv2d(x, kernel_.value(), bias, FusedActivation::kLinear, op_options))};
}

json Conv2D::get_config() const {
  json config = Layer::get_config();
  config["filters"] = filters_;
  config["kernel_size"] = pair_json(kernel_size_);
  config["strides"] = pair_json(strides_);
  config["padding"] = padding_;
  config["data_format"] = "channels_last";
  config["dilation_rate"] = pair_json(dilation_);
  config["groups"] = 1;
  write_kernel_bias_config(config, options_);
  return config;
}

std::shared_ptr<Layer> Conv2D::from_config(const json& config) {
  TANDEM_CHECK(config.contains("filters") && config.contains("kernel_size"), ValueError,
               "Conv2D.from_config: expected 'filters' and 'kernel_size' in ", config.dump());
  std::string format = config.value("data_format", std::string("channels_last"));
  TANDEM_CHECK(format == "channels_last", ValueError,
               "Conv2D: only data_format 'channels_last' is supported, received '", format, "'");
  Conv2DOptions o;
  o.strides = window_from_json(config.value("strides", json(1)), 1);
  o.padding = config.value("padding", std::string("valid"));
  o.dilation_rate = window_from_json(config.value("dilation_rate", json(1)), 1);
  read_kernel_bias_config(config, o);
  return std::make_shared<Conv2D>(config["filters"].get<int64_t>(),
                                  window_from_json(config["kernel_size"], 1), o);
}

TANDEM_REGISTER_LAYER(Conv2D);

}  // namespace tandem::layers
