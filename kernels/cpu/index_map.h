// Copies through per-dimension index maps. One kernel covers slicing (strided_slice), reverse, tile
// and every pad mode, which all pick, for each output coordinate, one source coordinate per
// dimension.
#pragma once

#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// out[j_0, ..., j_{n-1}] = in[maps[0][j_0], ..., maps[n-1][j_{n-1}]], where maps[d] holds
// out_shape[d] source indices into dimension d of in_shape, or -1 for "outside the input", which
// writes *fill (fill may be null when no map holds -1). For strings (kString) fill points to a
// std::string. ndim == 0 copies the single element.
void gather_by_maps(ScalarType t, const void* in, const int64_t* in_shape, void* out,
                    const int64_t* out_shape, int ndim, const int64_t* const* maps,
                    const void* fill);

// The adjoint: in[maps[0][j_0], ...] += out[j_0, ...] for every output coordinate whose map entries
// are all >= 0. `in` must be initialised (zeros for a gradient); repeated sources accumulate.
// Numeric types only.
void scatter_add_by_maps(ScalarType t, const void* out, const int64_t* out_shape, void* in,
                         const int64_t* in_shape, int ndim, const int64_t* const* maps);

}  // namespace tandem::kernels::cpu
