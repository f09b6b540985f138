// Sorting along the last axis of contiguous data viewed as [rows, n], and the gathers and scatters
// that move values (and their gradients) by the resulting indices.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// For each row, out[row, j] (j < k) is the index of the j-th element of the row in sorted order.
// Ties keep the lower index first (a stable order), and NaN sorts above every number, so the order
// is total and deterministic. Numeric types other than bool; requires 0 <= k <= n <= INT32_MAX.
void argsort_rows(ScalarType t, const void* in, int32_t* out, int64_t rows, int64_t n, int64_t k,
                  bool descending);

// out[row, j] = in[row, idx[row, j]] for j < k; elem_size bytes per element. Indices must be in [0,
// n).
void gather_rows(const void* in, const int32_t* idx, void* out, int64_t rows, int64_t n, int64_t k,
                 size_t elem_size);

// out = zeros [rows, n], then out[row, idx[row, j]] += updates[row, j] for j < k. Indices must be
// in [0, n). Numeric types other than bool.
void scatter_add_rows(ScalarType t, const void* updates, const int32_t* idx, void* out,
                      int64_t rows, int64_t k, int64_t n);

}  // namespace tandem::kernels::cpu
