// Fused batch normalization (tf.compat.v1.nn.fused_batch_norm, channels last): one op, with one
// kernel, for the normalisation that BatchNormalization would otherwise compose from a dozen
// element-wise ops and reductions, and one kernel for its gradient.
#pragma once

#include "tandem/core/tensor.h"

namespace tandem {

struct FusedBatchNormOptions {
  double epsilon = 1e-3;
  // Normalise with the batch's statistics (true) or with the given mean and variance (false).
  bool is_training = true;
  // In training with a mean and variance given (the moving statistics): the returned statistics
  // are mean * (1 - factor) + batch_mean * factor (and the same for the variance), Keras's moving
  // average with factor = 1 - momentum.
  double exponential_avg_factor = 1.0;
};

struct FusedBatchNormResult {
  Tensor y;         // x's shape
  Tensor mean;      // [channels]: see fused_batch_norm
  Tensor variance;  // [channels]
};

// y = (x - mean) / sqrt(variance + epsilon) * scale + offset over x's last axis (the channels: NHWC
// images, [batch, features] matrices; every other axis is reduced). x is float32 or float64; scale,
// offset, mean and variance are undefined or [channels] of x's dtype and device (an undefined scale
// is 1, an undefined offset 0).
//
// Training: normalises with the batch mean and population variance of each channel (as Keras's
// BatchNormalization; TensorFlow's fused kernel reports a Bessel-corrected variance instead). The
// result's mean and variance are those batch statistics, or, when mean and variance are given, the
// moving statistics updated towards them (exponential_avg_factor above).
// Inference: normalises with the given mean and variance (required) and returns them.
//
// y is differentiable in x, scale and offset; the returned statistics are not (as TensorFlow's).
FusedBatchNormResult fused_batch_norm(const Tensor& x, const Tensor& scale, const Tensor& offset,
                                      const Tensor& mean = Tensor(),
                                      const Tensor& variance = Tensor(),
                                      const FusedBatchNormOptions& options = {});

}  // namespace tandem
