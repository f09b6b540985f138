// CPU element-wise kernels over raw buffers: unary math, broadcast binary math, casts, fills,
// select.
#pragma once

#include <cstdint>

#include "kernels/common/functors.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// y[i] = op(x[i]) for n elements of type t.
void unary(UnaryOp op, ScalarType t, const void* x, void* y, int64_t n, float alpha = 0.f);

// out = op(a, b) with broadcasting described by spec; `out` is bool for comparisons, else type t.
void binary(BinaryOp op, ScalarType t, const void* a, const void* b, void* out,
            const BroadcastSpec& spec);

// y[i] = static_cast<to>(x[i]).
void cast(ScalarType from, ScalarType to, const void* x, void* y, int64_t n);

// y[i] = value (converted to t).
void fill(ScalarType t, void* y, int64_t n, double value);

// out = a broadcast to spec.shape (spec.a_stride gives a's strides; b is unused).
void broadcast(ScalarType t, const void* a, void* out, const BroadcastSpec& spec);

// out = cond ? a : b with broadcasting; cond is bool and uses spec.b_stride's twin `cond_stride`.
void select(ScalarType t, const bool* cond, const int64_t* cond_stride, const void* a,
            const void* b, void* out, const BroadcastSpec& spec);

}  // namespace tandem::kernels::cpu
