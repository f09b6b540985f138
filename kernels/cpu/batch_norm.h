// Fused batch normalization over channels-last data: x is viewed as [rows, channels] (NHWC images
// or [batch, features] matrices) and every statistic is per channel. Each pass below is one or two
// sweeps over x instead of the dozen element-wise ops and reductions the composed formula costs.
// float32 and float64; per-channel sums accumulate in double.
#pragma once

#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// Training forward pass: the batch mean and population variance of each channel (written to
// batch_mean / batch_variance, [channels]), then y = (x - mean) * rsqrt(variance + epsilon) * scale
// + offset. scale and offset may be null (1 and 0). When running_mean / running_variance are given,
// new_running_mean / new_running_variance = running * (1 - factor) + batch * factor (the moving
// statistics' update, factor = 1 - momentum).
struct BatchNormTrainingArgs {
  int64_t rows = 0, channels = 0;
  const void* x = nullptr;
  const void* scale = nullptr;
  const void* offset = nullptr;
  double epsilon = 0;
  void* y = nullptr;
  void* batch_mean = nullptr;
  void* batch_variance = nullptr;
  const void* running_mean = nullptr;
  const void* running_variance = nullptr;
  double factor = 1;
  void* new_running_mean = nullptr;
  void* new_running_variance = nullptr;
};
void batch_norm_training(ScalarType t, const BatchNormTrainingArgs& a);

// Inference forward pass with given statistics: y = (x - mean) * rsqrt(variance + epsilon) * scale
// + offset (scale and offset may be null).
void batch_norm_inference(ScalarType t, int64_t rows, int64_t channels, const void* x,
                          const void* scale, const void* offset, const void* mean,
                          const void* variance, double epsilon, void* y);

// Backward pass of either forward pass. `mean` and `variance` are the statistics the forward pass
// normalised with (the batch's in training, the given ones in inference). With xhat = (x - mean) *
// rsqrt(variance + epsilon), g = scale * rsqrt(variance + epsilon) and n = rows:
//   training:  dx = g * (dy - sum(dy) / n - xhat * sum(dy * xhat) / n)
//   inference: dx = g * dy
// dscale = sum(dy * xhat), doffset = sum(dy) (sums over rows). Any output may be null (not
// wanted); scale may be null (1).
struct BatchNormBackwardArgs {
  int64_t rows = 0, channels = 0;
  bool training = true;
  const void* dy = nullptr;
  const void* x = nullptr;
  const void* scale = nullptr;
  const void* mean = nullptr;
  const void* variance = nullptr;
  double epsilon = 0;
  void* dx = nullptr;
  void* dscale = nullptr;
  void* doffset = nullptr;
};
void batch_norm_backward(ScalarType t, const BatchNormBackwardArgs& a);

}  // namespace tandem::kernels::cpu
