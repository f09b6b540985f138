// 2-D max and average pooling over NHWC data, with the backward passes. Padding cells never take
// part: they are -inf for max pooling and are left out of the average's count (TensorFlow's
// behaviour for "SAME" padding).
#pragma once

#include <cstdint>

#include "kernels/common/geometry.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// output = the window maxima; argmax[i] = the flat input index (batch included) of output i's
// maximum, the first one in row-major window order on ties. argmax may be null (inference: only
// the maxima are computed). Numeric types.
void max_pool2d(ScalarType t, const Pool2DGeometry& g, const void* input, void* output,
                int64_t* argmax);
// d_input = 0, then d_input[argmax[i]] += d_output[i].
void max_pool2d_backprop(ScalarType t, const Pool2DGeometry& g, const void* d_output,
                         const int64_t* argmax, void* d_input);
// out[i] = x[argmax[i]] for the n outputs (the adjoint of max_pool2d_backprop).
void gather_argmax(ScalarType t, int64_t n, const void* x, const int64_t* argmax, void* out);

// output = the mean of each window's cells inside the input. Floating types.
void avg_pool2d(ScalarType t, const Pool2DGeometry& g, const void* input, void* output);
// d_input[cell] = sum over the windows w containing cell of d_output[w] / count(w).
void avg_pool2d_backprop(ScalarType t, const Pool2DGeometry& g, const void* d_output,
                         void* d_input);

}  // namespace tandem::kernels::cpu
