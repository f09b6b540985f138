#include "tandem/layers/normalization/layer_normalization.h"

#include <algorithm>

#include "tandem/layers/registry.h"
#include "tandem/ops/math.h"
#include "tandem/ops/nn.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

LayerNormalization::LayerNormalization(LayerNormalizationOptions options)
    : Layer("LayerNormalization", options.layer), options_(std::move(options)) {
  TANDEM_CHECK(!options_.axis.empty(), ValueError,
               "LayerNormalization: expected at least one axis, received []");
  TANDEM_CHECK(options_.epsilon >= 0, ValueError,
               "LayerNormalization: expected epsilon >= 0, received ", options_.epsilon);
}

void LayerNormalization::build(const std::vector<Shape>& input_shapes) {
  const Shape& s = input_shapes.at(0);
  const int rank = s.rank();
  axes_.clear();
  std::vector<int64_t> param_dims, broadcast(static_cast<size_t>(rank), 1);
  for (int64_t a : options_.axis) {
    int64_t axis = a < 0 ? a + rank : a;
    TANDEM_CHECK(axis >= 1 && axis < rank, ValueError, "LayerNormalization '", name(), "': axis ",
                 a, " is out of range (or the batch axis) for inputs of shape ",
                 s.to_list_string());
    axes_.push_back(axis);
  }
  std::sort(axes_.begin(), axes_.end());
  TANDEM_CHECK(std::adjacent_find(axes_.begin(), axes_.end()) == axes_.end(), ValueError,
               "LayerNormalization '", name(), "': duplicate axis in ",
               Shape(options_.axis).to_list_string());
  InputSpec spec{.ndim = rank};
  for (int64_t axis : axes_) {
    TANDEM_CHECK(s[static_cast<int>(axis)] > 0, ShapeError, "LayerNormalization '", name(),
                 "': normalized dimension ", axis, " must be known, received ", s.to_list_string());
    param_dims.push_back(s[static_cast<int>(axis)]);
    broadcast[static_cast<size_t>(axis)] = s[static_cast<int>(axis)];
    spec.axes[static_cast<int>(axis)] = s[static_cast<int>(axis)];
  }
  param_broadcast_ = Shape(broadcast);
  if (options_.scale) {
    gamma_ = add_weight("gamma", Shape(param_dims),
                        {.initializer = options_.gamma_initializer ? options_.gamma_initializer
                                                                   : initializers::ones()});
  }
  if (options_.center) {
    beta_ = add_weight("beta", Shape(param_dims),
                       {.initializer = options_.beta_initializer ? options_.beta_initializer
                                                                 : initializers::zeros()});
  }
  set_input_spec(spec);
  Layer::build(input_shapes);
}

std::vector<Shape> LayerNormalization::compute_output_shape(
    const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // normalizes in place
}

Tensors LayerNormalization::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  Moments m = moments(x, axes_, /*keepdims=*/true);
  Tensor y = (x - m.mean) * rsqrt(m.variance + options_.epsilon);
  if (options_.scale) y = y * reshape(gamma_.value(), param_broadcast_);
  if (options_.center) y = y + reshape(beta_.value(), param_broadcast_);
  return {y};
}

json LayerNormalization::get_config() const {
  json config = Layer::get_config();
  config["axis"] = options_.axis;
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  config["beta_initializer"] = initializers::serialize(
      options_.beta_initializer ? *options_.beta_initializer : *initializers::zeros());
  config["gamma_initializer"] = initializers::serialize(
      options_.gamma_initializer ? *options_.gamma_initializer : *initializers::ones());
  return config;
}

std::shared_ptr<Layer> LayerNormalization::from_config(const json& config) {
  LayerNormalizationOptions o;
  if (config.contains("axis")) {
    const json& a = config["axis"];
    o.axis = a.is_array() ? a.get<std::vector<int64_t>>() : std::vector<int64_t>{a.get<int64_t>()};
  }
  o.epsilon = config.value("epsilon", 1e-3);
  o.center = config.value("center", true);
  o.scale = config.value("scale", true);
  if (config.contains("beta_initializer"))
    o.beta_initializer = initializers::deserialize(config["beta_initializer"]);
  if (config.contains("gamma_initializer"))
    o.gamma_initializer = initializers::deserialize(config["gamma_initializer"]);
  o.layer = options_from_config(config);
  return std::make_shared<LayerNormalization>(o);
}

TANDEM_REGISTER_LAYER(LayerNormalization);

}  // namespace tandem::layers
