// N-d permutation copy of contiguous data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tandem::kernels::cpu {

// out[j...] = in[i...] where out dim d is in dim perm[d]; elem_size bytes per element.
void transpose(const void* in, void* out, const int64_t* in_shape, const int* perm, int ndim,
               size_t elem_size);

}  // namespace tandem::kernels::cpu
