#include "tandem/ops/fused_batch_norm.h"

#include <vector>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/nn.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {
namespace {

constexpr const char* kOp = "fused_batch_norm";

// An optional [channels] argument: undefined, or x's dtype, device and channel count.
void check_channel_vector(const Tensor& t, const char* what, const Tensor& x) {
  if (!t.defined()) return;
  ops::check_same_dtype(kOp, x, t);
  ops::check_same_device(kOp, {&x, &t});
  const Shape expected{x.shape().dim(-1)};
  TANDEM_CHECK(t.shape() == expected, ShapeError, kOp, ": expected ", what, " of shape ",
               expected.to_list_string(), " (x's last axis, the channels), received ",
               t.shape().to_list_string());
}

// Every axis but the channels (the last).
std::vector<int64_t> reduced_axes(const Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t d = 0; d + 1 < x.rank(); ++d) axes.push_back(d);
  return axes;
}

// The gradients from differentiable ops, for a backward pass that an outer tape records (the
// fused kernel's results would be constants to it). In training the statistics are recomputed
// from x, so their dependence on x is differentiated too.
std::vector<Tensor> composed_gradients(const Tensor& dy, const Tensor& x, const Tensor& scale,
                                       const Tensor& mean, const Tensor& variance, double epsilon,
                                       bool training) {
  const std::vector<int64_t> axes = reduced_axes(x);
  const ReduceOptions keep{.axis = axes, .keepdims = true};
  Tensor m = mean, v = variance;
  if (training) {
    Moments batch = moments(x, axes, /*keepdims=*/false);
    m = batch.mean;
    v = batch.variance;
  }
  Tensor inv_std = rsqrt(v + epsilon);
  Tensor xhat = (x - m) * inv_std;
  Tensor g = scale.defined() ? scale * inv_std : inv_std;
  Tensor dx =
      training ? g * (dy - reduce_mean(dy, keep) - xhat * reduce_mean(dy * xhat, keep)) : g * dy;
  return {dx, reduce_sum(dy * xhat, {.axis = axes}), reduce_sum(dy, {.axis = axes})};
}

void record_gradient(const Tensor& x, const Tensor& scale, const Tensor& offset, const Tensor& y,
                     const Tensor& mean, const Tensor& variance, double epsilon, bool training) {
  // The op's inputs on the tape: x, then scale and offset where given.
  std::vector<Tensor> inputs{x};
  if (scale.defined()) inputs.push_back(scale);
  if (offset.defined()) inputs.push_back(offset);
  if (!autodiff::should_record(inputs)) return;
  const bool want_x = autodiff::should_record({x});
  const bool want_scale = scale.defined() && autodiff::should_record({scale});
  const bool want_offset = offset.defined() && autodiff::should_record({offset});
  const bool has_offset = offset.defined();
  autodiff::record_operation(
      kOp, inputs, {y},
      [x, scale, mean, variance, epsilon, training, want_x, want_scale, want_offset,
       has_offset](const std::vector<Tensor>& d) {
        const Tensor& dy = d[0];
        autodiff::GradList grads(1 + (scale.defined() ? 1 : 0) + (has_offset ? 1 : 0));
        std::vector<Tensor> g;
        if (autodiff::should_record({x, scale.defined() ? scale : x, dy})) {
          g = composed_gradients(dy, x, scale, mean, variance, epsilon, training);
        } else {
          ops::dispatch::BatchNormGrads k = ops::dispatch::batch_norm_backward(
              dy, x, scale, mean, variance, epsilon, training, want_x, want_scale, want_offset);
          g = {k.dx, k.dscale, k.doffset};
        }
        size_t slot = 0;
        if (want_x) grads[slot] = g[0];
        ++slot;
        if (scale.defined()) {
          if (want_scale) grads[slot] = g[1];
          ++slot;
        }
        if (has_offset && want_offset) grads[slot] = g[2];
        return grads;
      });
}

}  // namespace

FusedBatchNormResult fused_batch_norm(const Tensor& x, const Tensor& scale, const Tensor& offset,
                                      const Tensor& mean, const Tensor& variance,
                                      const FusedBatchNormOptions& options) {
  ops::check_defined(kOp, x, "x");
  ops::check_dtype_in(kOp, x, {float32, float64});
  TANDEM_CHECK(x.rank() >= 1, ValueError, kOp,
               ": expected x of rank >= 1 (channels last), received a scalar");
  check_channel_vector(scale, "scale", x);
  check_channel_vector(offset, "offset", x);
  check_channel_vector(mean, "mean", x);
  check_channel_vector(variance, "variance", x);
  TANDEM_CHECK(options.epsilon >= 0, ValueError, kOp, ": expected epsilon >= 0, received ",
               options.epsilon);
  TANDEM_CHECK(mean.defined() == variance.defined(), ValueError, kOp,
               ": expected both mean and variance or neither, received ",
               mean.defined() ? "a mean without a variance" : "a variance without a mean");
  if (!options.is_training) {
    TANDEM_CHECK(mean.defined(), ValueError, kOp,
                 ": inference (is_training = false) needs the mean and variance to normalise "
                 "with, received none");
    Tensor y =
        ops::dispatch::batch_norm_inference(x, scale, offset, mean, variance, options.epsilon);
    record_gradient(x, scale, offset, y, mean, variance, options.epsilon, false);
    return {y, mean, variance};
  }
  TANDEM_CHECK(options.exponential_avg_factor >= 0 && options.exponential_avg_factor <= 1,
               ValueError, kOp, ": expected exponential_avg_factor in [0, 1], received ",
               options.exponential_avg_factor);
  ops::dispatch::BatchNormTraining r = ops::dispatch::batch_norm_training(
      x, scale, offset, options.epsilon, mean, variance, options.exponential_avg_factor);
  record_gradient(x, scale, offset, r.y, r.batch_mean, r.batch_variance, options.epsilon, true);
  if (mean.defined()) return {r.y, r.running_mean, r.running_variance};
  return {r.y, r.batch_mean, r.batch_variance};
}

}  // namespace tandem
