#include "tandem/layers/normalization/batch_normalization.h"

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/layers/registry.h"
#include "tandem/ops/fused_batch_norm.h"
#include "tandem/ops/math.h"
#include "tandem/ops/nn.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

namespace {
initializers::InitializerPtr or_default(const initializers::InitializerPtr& init,
                                        initializers::InitializerPtr fallback) {
  return init ? init : fallback;
}
}  // namespace

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : BatchNormalization("BatchNormalization", std::move(options)) {}

BatchNormalization::BatchNormalization(std::string class_name, BatchNormalizationOptions options)
    : Layer(std::move(class_name), options.layer), options_(std::move(options)) {
  TANDEM_CHECK(options_.momentum >= 0 && options_.momentum <= 1, ValueError,
               "BatchNormalization: expected momentum in [0, 1], received ", options_.momentum);
  TANDEM_CHECK(options_.epsilon >= 0, ValueError,
               "BatchNormalization: expected epsilon >= 0, received ", options_.epsilon);
}

void BatchNormalization::build(const std::vector<Shape>& input_shapes) {
  const Shape& s = input_shapes.at(0);
  const int rank = s.rank();
  int64_t axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  TANDEM_CHECK(axis >= 1 && axis < rank, ValueError, "BatchNormalization '", name(), "': axis ",
               options_.axis, " is out of range (or the batch axis) for inputs of shape ",
               s.to_list_string());
  int64_t features = s[static_cast<int>(axis)];
  TANDEM_CHECK(features > 0, ShapeError, "BatchNormalization '", name(), "': axis ", options_.axis,
               " must have a known size, received ", s.to_list_string());
  feature_axis_ = axis;
  reduce_.clear();
  std::vector<int64_t> broadcast(static_cast<size_t>(rank), 1);
  broadcast[static_cast<size_t>(axis)] = features;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) reduce_.push_back(d);
  param_broadcast_ = Shape(broadcast);
  Shape param{features};
  if (options_.scale)
    gamma_ =
        add_weight("gamma", param,
                   {.initializer = or_default(options_.gamma_initializer, initializers::ones())});
  if (options_.center)
    beta_ =
        add_weight("beta", param,
                   {.initializer = or_default(options_.beta_initializer, initializers::zeros())});
  moving_mean_ = add_weight(
      "moving_mean", param,
      {.initializer = or_default(options_.moving_mean_initializer, initializers::zeros()),
       .trainable = false});
  moving_variance_ = add_weight(
      "moving_variance", param,
      {.initializer = or_default(options_.moving_variance_initializer, initializers::ones()),
       .trainable = false});
  set_input_spec({.ndim = rank, .axes = {{static_cast<int>(axis), features}}});
  Layer::build(input_shapes);
}

Moments BatchNormalization::batch_moments(const Tensor& x) const {
  return moments(x, reduce_, /*keepdims=*/true);
}

void BatchNormalization::update_moving(Variable& moving, const Tensor& batch_value) {
  Tensor batch = stop_gradient(batch_value);  // in compute_dtype(), the moving statistics' dtype
  moving.assign(moving.value() * options_.momentum + batch * (1.0 - options_.momentum));
}

std::vector<Shape> BatchNormalization::compute_output_shape(
    const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // normalizes in place
}

bool BatchNormalization::can_fuse(const Tensor& x, bool training) const {
  const DType t = x.dtype();
  const auto same = [t](const Variable& v) { return !v.defined() || v.dtype() == t; };
  return feature_axis_ == x.rank() - 1 && (t == float32 || t == float64) && same(gamma_) &&
         same(beta_) && same(moving_mean_) && same(moving_variance_) &&
         (!training || batch_moments_are_local());
}

Tensors BatchNormalization::call_fused(const Tensor& x, const CallContext& ctx) {
  const Tensor scale = options_.scale ? gamma_.value() : Tensor();
  const Tensor offset = options_.center ? beta_.value() : Tensor();
  FusedBatchNormResult r =
      fused_batch_norm(x, scale, offset, moving_mean_.value(), moving_variance_.value(),
                       {.epsilon = options_.epsilon,
                        .is_training = ctx.training,
                        .exponential_avg_factor = 1.0 - options_.momentum});
  if (ctx.training && !ctx.symbolic) {
    autodiff::PauseAllTapes pause;
    moving_mean_.assign(r.mean);
    moving_variance_.assign(r.variance);
  }
  return {r.y};
}

Tensors BatchNormalization::call(const Tensors& inputs, const CallContext& ctx) {
  const Tensor& x = inputs[0];
  // Channels last in float32 / float64: one kernel each way (ops/fused_batch_norm.h). Other axes,
  // the 16-bit floats, mixed dtypes and cross-replica moments take the composed formula below.
  if (can_fuse(x, ctx.training)) return call_fused(x, ctx);
  Tensor mean, variance;
  if (ctx.training) {
    // Population variance, as Keras's non-fused path; the moving variance follows the same.
    Moments m = batch_moments(x);
    mean = m.mean;
    variance = m.variance;
    if (!ctx.symbolic) {
      autodiff::PauseAllTapes pause;
      update_moving(moving_mean_, reshape(mean, moving_mean_.shape()));
      update_moving(moving_variance_, reshape(variance, moving_variance_.shape()));
    }
  } else {
    mean = reshape(moving_mean_.value(), param_broadcast_);
    variance = reshape(moving_variance_.value(), param_broadcast_);
  }
  // y = (x - mean) / sqrt(var + eps) * gamma + beta, folded into one per-channel scale and
  // shift so the full-size tensor is touched twice (x * scale + shift) instead of four times.
  Tensor scale = rsqrt(variance + options_.epsilon);
  if (options_.scale) scale = scale * reshape(gamma_.value(), param_broadcast_);
  Tensor shift = -mean * scale;
  if (options_.center) shift = shift + reshape(beta_.value(), param_broadcast_);
  return {x * scale + shift};
}

json BatchNormalization::get_config() const {
  json config = Layer::get_config();
  config["axis"] = options_.axis;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["center"] = options_.center;
  config["scale"] = options_.scale;
  auto ser = [](const initializers::InitializerPtr& init, initializers::InitializerPtr fallback) {
    return initializers::serialize(*or_default(init, std::move(fallback)));
  };
  config["beta_initializer"] = ser(options_.beta_initializer, initializers::zeros());
  config["gamma_initializer"] = ser(options_.gamma_initializer, initializers::ones());
  config["moving_mean_initializer"] = ser(options_.moving_mean_initializer, initializers::zeros());
  config["moving_variance_initializer"] =
      ser(options_.moving_variance_initializer, initializers::ones());
  return config;
}

std::shared_ptr<Layer> BatchNormalization::from_config(const json& config) {
  return std::make_shared<BatchNormalization>(options_from_json(config));
}

BatchNormalizationOptions BatchNormalization::options_from_json(const json& config) {
  BatchNormalizationOptions o;
  if (config.contains("axis")) {
    const json& a = config["axis"];
    // Keras stores a one-element list after building.
    TANDEM_CHECK(a.is_number_integer() || (a.is_array() && a.size() == 1), ValueError,
                 "BatchNormalization.from_config: expected a single axis, received ", a.dump());
    o.axis = a.is_array() ? a[0].get<int64_t>() : a.get<int64_t>();
  }
  o.momentum = config.value("momentum", 0.99);
  o.epsilon = config.value("epsilon", 1e-3);
  o.center = config.value("center", true);
  o.scale = config.value("scale", true);
  auto init = [&](const char* key) {
    return config.contains(key) ? initializers::deserialize(config[key]) : nullptr;
  };
  o.beta_initializer = init("beta_initializer");
  o.gamma_initializer = init("gamma_initializer");
  o.moving_mean_initializer = init("moving_mean_initializer");
  o.moving_variance_initializer = init("moving_variance_initializer");
  o.layer = options_from_config(config);
  return o;
}

TANDEM_REGISTER_LAYER(BatchNormalization);

}  // namespace tandem::layers
