// Batched matrix multiply over contiguous row-major matrices: BLAS for float32/float64, a plain
// loop (accumulating in float for the 16-bit floats, in int64 for integers) for the other numeric
// types.
#pragma once

#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// For each b in [0, batch): C[b] = op(A[a_index[b]]) @ op(B[b_index[b]]), where op transposes when
// asked, op(A) is [m, k], op(B) is [k, n] and C[b] is [m, n]. A null index means "b itself"; an
// index lets a broadcast batch reuse one matrix without copying it.
struct MatmulSpec {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  const int64_t* a_index = nullptr;
  const int64_t* b_index = nullptr;
};

void batch_matmul(ScalarType t, const MatmulSpec& spec, const void* a, const void* b, void* c);

}  // namespace tandem::kernels::cpu
