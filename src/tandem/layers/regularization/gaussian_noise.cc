#include "tandem/layers/regularization/gaussian_noise.h"

#include "tandem/layers/registry.h"
#include "tandem/layers/regularization/dropout.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"

namespace tandem::layers {

GaussianNoise::GaussianNoise(double stddev, GaussianNoiseOptions options)
    : Layer("GaussianNoise", options.layer), stddev_(stddev), options_(std::move(options)) {
  TANDEM_CHECK(stddev >= 0, ValueError, "GaussianNoise: expected stddev >= 0, received ", stddev);
}

std::vector<Shape> GaussianNoise::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // adds noise in place
}

Tensors GaussianNoise::call(const Tensors& inputs, const CallContext& ctx) {
  const Tensor& x = inputs[0];
  if (!ctx.training || stddev_ == 0) return {x};
  TANDEM_CHECK(is_floating(x.dtype()), TypeError, "GaussianNoise '", name(),
               "' expected a floating input, received ", dtype_name(x.dtype()));
  RandomOptions r{.stddev = stddev_, .dtype = x.dtype(), .per_replica = true};
  if (options_.seed) {
    r.seed = per_call_seed(*options_.seed, calls_);
    if (!ctx.symbolic) ++calls_;
  }
  return {x + random_normal(x.shape(), r)};
}

json GaussianNoise::get_config() const {
  json config = Layer::get_config();
  config["stddev"] = stddev_;
  config["seed"] = options_.seed ? json(*options_.seed) : json(nullptr);
  return config;
}

std::shared_ptr<Layer> GaussianNoise::from_config(const json& config) {
  TANDEM_CHECK(config.contains("stddev") && config["stddev"].is_number(), ValueError,
               "GaussianNoise.from_config: expected a number 'stddev' in ", config.dump());
  GaussianNoiseOptions o;
  if (config.contains("seed") && !config["seed"].is_null()) o.seed = config["seed"].get<uint64_t>();
  o.layer = options_from_config(config);
  return std::make_shared<GaussianNoise>(config["stddev"].get<double>(), o);
}

TANDEM_REGISTER_LAYER(GaussianNoise);

}  // namespace tandem::layers
