// Neural-network primitives (tf.nn): convolution, pooling, cross-entropies, moments and dropout.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/ops/conv.h"
#include "tandem/ops/cross_entropy.h"
#include "tandem/ops/pooling.h"

namespace tandem {

struct Moments {
  Tensor mean;
  Tensor variance;  // population variance: mean((x - mean)^2), as tf.nn.moments
};

// Mean and variance of x over `axes` (differentiable in both). The 16-bit floats are computed in
// float32 and returned in their own dtype, as TensorFlow does.
Moments moments(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims = false);

// tf.nn.dropout's options (named apart from layers::DropoutOptions, as Conv2DOpOptions).
struct DropoutOpOptions {
  // Shape of the random keep mask; it must broadcast to x's shape (e.g. [batch, 1, 1, channels]
  // drops whole feature maps). Default: x's shape.
  std::optional<Shape> noise_shape = std::nullopt;
  // Op-level seed; without one the global random generator advances (see random.h).
  std::optional<uint64_t> seed = std::nullopt;
};

// Zeroes each element with probability `rate` (in [0, 1)) and scales the kept ones by 1 / (1 -
// rate), so the expected value is unchanged (tf.nn.dropout). Floating dtypes.
Tensor dropout(const Tensor& x, double rate, const DropoutOpOptions& options = {});

}  // namespace tandem
