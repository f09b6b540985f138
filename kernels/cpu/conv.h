// 2-D convolution over NHWC data with [KH, KW, C, O] filters. float32 runs through oneDNN's
// convolution primitives where they measured faster (dnnl_conv.h); the rest, and float64, as
// im2col + one GEMM per chunk of images, the two backward passes with the same column layout
// (col2im for the input gradient). float32 and float64 only (the ops convert the 16-bit floats).
#pragma once

#include <cstdint>

#include "kernels/common/geometry.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// output = conv2d(input, filters).
void conv2d(ScalarType t, const Conv2DGeometry& g, const void* input, const void* filters,
            void* output);
// d_input = the gradient of conv2d with respect to its input, given d_output (the transposed
// convolution of d_output with filters).
void conv2d_backprop_input(ScalarType t, const Conv2DGeometry& g, const void* filters,
                           const void* d_output, void* d_input);
// d_filters = the gradient of conv2d with respect to its filters, given input and d_output.
void conv2d_backprop_filter(ScalarType t, const Conv2DGeometry& g, const void* input,
                            const void* d_output, void* d_filters);

}  // namespace tandem::kernels::cpu
