// Linear algebra (tf.linalg): matrix products with batch broadcasting, and tensordot.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

struct MatmulOptions {
  bool transpose_a = false;
  bool transpose_b = false;
};

// Matrix product over the innermost two dimensions (both inputs of rank >= 2):
// [..., m, k] @ [..., k, n] gives [..., m, n]. Leading (batch) dimensions broadcast as in
// tf.linalg.matmul. float32/float64 go through BLAS; int32, int64, float16 and bfloat16 use a plain
// loop (16-bit floats accumulate in float).
Tensor matmul(const Tensor& a, const Tensor& b, const MatmulOptions& options = {});

// Axes to contract in tensordot: a's axes and b's axes, paired in order.
using TensordotAxes = std::pair<std::vector<int64_t>, std::vector<int64_t>>;

// Sums products over the last `axes` dimensions of a and the first `axes` dimensions of b
// (tf.tensordot(a, b, axes=N)); the result has a's free dimensions followed by b's.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes);
// Contracts a's axes.first with b's axes.second: tensordot(a, b, {{1, 2}, {0, 1}}).
Tensor tensordot(const Tensor& a, const Tensor& b, const TensordotAxes& axes);

}  // namespace tandem
