#include "tandem/layers/regularization/dropout.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/nn.h"

namespace tandem::layers {

uint64_t per_call_seed(uint64_t seed, uint64_t call) {
  // SplitMix64 finalizer of (seed, call): nearby seeds and calls give unrelated streams.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (call + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Dropout::Dropout(double rate, DropoutOptions options)
    : Layer("Dropout", options.layer), rate_(rate), options_(std::move(options)) {
  TANDEM_CHECK(rate >= 0 && rate < 1, ValueError, "Dropout: expected rate in [0, 1), received ",
               rate);
}

std::vector<Shape> Dropout::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // masks in place
}

Tensors Dropout::call(const Tensors& inputs, const CallContext& ctx) {
  const Tensor& x = inputs[0];
  if (!ctx.training || rate_ == 0) return {x};
  DropoutOpOptions op;
  if (options_.noise_shape) {
    std::vector<int64_t> dims = *options_.noise_shape;
    TANDEM_CHECK(static_cast<int>(dims.size()) == x.rank(), ShapeError, "Dropout '", name(),
                 "': noise_shape ", Shape(dims).to_list_string(), " does not match input rank ",
                 x.rank(), " (shape ", x.shape().to_list_string(), ")");
    for (size_t d = 0; d < dims.size(); ++d)
      if (dims[d] < 0) dims[d] = x.shape()[static_cast<int>(d)];
    op.noise_shape = Shape(dims);
  }
  if (options_.seed) {
    // Placeholder calls do not advance the sequence, so shape inference leaves training alone.
    op.seed = per_call_seed(*options_.seed, calls_);
    if (!ctx.symbolic) ++calls_;
  }
  return {dropout(x, rate_, op)};
}

json Dropout::get_config() const {
  json config = Layer::get_config();
  config["rate"] = rate_;
  if (options_.noise_shape) {
    json dims = json::array();
    for (int64_t d : *options_.noise_shape) dims.push_back(d < 0 ? json(nullptr) : json(d));
    config["noise_shape"] = dims;
  } else {
    config["noise_shape"] = nullptr;
  }
  config["seed"] = options_.seed ? json(*options_.seed) : json(nullptr);
  return config;
}

std::shared_ptr<Layer> Dropout::from_config(const json& config) {
  TANDEM_CHECK(config.contains("rate") && config["rate"].is_number(), ValueError,
               "Dropout.from_config: expected a number 'rate' in ", config.dump());
  DropoutOptions o;
  if (config.contains("noise_shape") && config["noise_shape"].is_array()) {
    std::vector<int64_t> dims;
    for (const json& d : config["noise_shape"]) dims.push_back(d.is_null() ? -1 : d.get<int64_t>());
    o.noise_shape = dims;
  }
  if (config.contains("seed") && !config["seed"].is_null()) o.seed = config["seed"].get<uint64_t>();
  o.layer = options_from_config(config);
  return std::make_shared<Dropout>(config["rate"].get<double>(), o);
}

TANDEM_REGISTER_LAYER(Dropout);

}  // namespace tandem::layers
