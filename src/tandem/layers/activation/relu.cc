#include "tandem/layers/activation/relu.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"

namespace tandem::layers {

ReLU::ReLU(ReLUOptions options) : Layer("ReLU", options.layer), options_(options) {
  TANDEM_CHECK(!options_.max_value || *options_.max_value >= 0, ValueError,
               "ReLU: expected max_value >= 0, received ", options_.max_value.value_or(0));
  TANDEM_CHECK(options_.negative_slope >= 0, ValueError,
               "ReLU: expected negative_slope >= 0, received ", options_.negative_slope);
}

std::vector<Shape> ReLU::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // element-wise
}

Tensors ReLU::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  Tensor y;
  if (options_.negative_slope == 0 && options_.threshold == 0) {
    y = relu(x);
  } else {
    // Below the threshold: negative_slope * (x - threshold); above: x.
    Tensor below = (x - options_.threshold) * options_.negative_slope;
    y = where(x >= options_.threshold, x, below);
  }
  if (options_.max_value) y = minimum(y, ops::scalar_like(*options_.max_value, y));
  return {y};
}

json ReLU::get_config() const {
  json config = Layer::get_config();
  config["max_value"] = options_.max_value ? json(*options_.max_value) : json(nullptr);
  config["negative_slope"] = options_.negative_slope;
  config["threshold"] = options_.threshold;
  return config;
}

std::shared_ptr<Layer> ReLU::from_config(const json& config) {
  ReLUOptions o;
  if (config.contains("max_value") && !config["max_value"].is_null())
    o.max_value = config["max_value"].get<double>();
  o.negative_slope = config.value("negative_slope", 0.0);
  o.threshold = config.value("threshold", 0.0);
  o.layer = options_from_config(config);
  return std::make_shared<ReLU>(o);
}

TANDEM_REGISTER_LAYER(ReLU);

}  // namespace tandem::layers
