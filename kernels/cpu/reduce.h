// Reductions over the middle axis of a [outer, r, inner] view of contiguous data.
#pragma once

#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels {
enum class ReduceOp : uint8_t { kSum, kMean, kMax, kMin, kProd, kAny, kAll };
}

namespace tandem::kernels::cpu {

// out[o, i] = op over p of in[o, p, i]; out has outer * inner elements.
void reduce(ReduceOp op, ScalarType t, const void* in, void* out, int64_t outer, int64_t r,
            int64_t inner);

}  // namespace tandem::kernels::cpu
