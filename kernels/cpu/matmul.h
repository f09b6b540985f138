// Batched matrix multiply over contiguous row-major matrices: BLAS for float32/float64, a plain
// loop (accumulating in float for the 16-bit floats, in int64 for integers) for the other numeric
// types.
#pragma once

#include <cstdint>

#include "kernels/common/geometry.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// C[b] = op(A[a_index[b]]) @ op(B[b_index[b]]) for each b (kernels/common/geometry.h).
void batch_matmul(ScalarType t, const MatmulSpec& spec, const void* a, const void* b, void* c);

}  // namespace tandem::kernels::cpu
