// Reductions over the middle axis of a [outer, r, inner] view of contiguous data, and the ops that
// share that layout: arg-reductions, cumulative sums, softmax.
#pragma once

#include <cstdint>

#include "kernels/common/reduce_op.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// out[o, i] = op over p of in[o, p, i]; out has outer * inner elements. An empty reduction (r == 0)
// gives the op's identity (0 for an integer mean, NaN for a floating mean), as TensorFlow does.
void reduce(ReduceOp op, ScalarType t, const void* in, void* out, int64_t outer, int64_t r,
            int64_t inner);

// out[o, i] = the p of the largest (smallest) in[o, p, i]; the first one on ties. r must be > 0.
// NaN never compares greater, so it wins only from position 0 (Eigen's rule, which TensorFlow
// uses).
void arg_reduce(ArgReduceOp op, ScalarType t, const void* in, int64_t* out, int64_t outer,
                int64_t r, int64_t inner);

// Running sum along p: out[o, p, i] = sum of in[o, q, i] over q <= p (q < p when exclusive; q >= p,
// resp. q > p, when reverse). Numeric types other than bool.
void cumsum(ScalarType t, const void* in, void* out, int64_t outer, int64_t r, int64_t inner,
            bool exclusive, bool reverse);

// Softmax (or log-softmax) along p, with the maximum subtracted first so exp never overflows.
// Floating types only.
void softmax(ScalarType t, const void* in, void* out, int64_t outer, int64_t r, int64_t inner,
             bool log);

}  // namespace tandem::kernels::cpu
