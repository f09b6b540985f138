// Gather and scatter of slices along one axis (tf.gather, tf.gather_nd, tf.scatter_nd and their
// gradients). Indices arrive validated: every index lies in [0, axis_size).
#pragma once

#include <cstdint>

#include "kernels/common/geometry.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// out[b, o, i, :] = params[b, o, indices[b, i], :]. Strings (kString) are copied as std::string.
void gather(ScalarType t, const void* params, const int64_t* indices, void* out,
            const GatherGeometry& g);

// params[b, o, indices[b, i], :] += updates[b, o, i, :]; params must be initialised. Repeated
// indices accumulate. Numeric types only.
void scatter_add(ScalarType t, const void* updates, const int64_t* indices, void* params,
                 const GatherGeometry& g);

// params[b, o, indices[b, i], :] = updates[b, o, i, :]; with repeated indices the last one wins.
void scatter_update(ScalarType t, const void* updates, const int64_t* indices, void* params,
                    const GatherGeometry& g);

}  // namespace tandem::kernels::cpu
