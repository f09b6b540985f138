// 2-D convolution over NHWC data with [KH, KW, C, O] filters. float32 runs through oneDNN's
// convolution primitives where they measured faster (dnnl_conv.h); the rest, and float64, as
// im2col + one GEMM per chunk of images, the two backward passes with the same column layout
// (col2im for the input gradient). float32 and float64 only (the ops convert the 16-bit floats).
#pragma once

#include <cstdint>

#include "kernels/common/geometry.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// What the forward pass applies to the convolution's sums as it writes them (TensorFlow's
// _FusedConv2D with BiasAdd and Relu): + bias[out_c] where bias is not null, then max(0, .) where
// relu is set. Through oneDNN these are post-ops, so the output is written once.
struct Conv2DEpilogue {
  const void* bias = nullptr;
  bool relu = false;
};

// output = conv2d(input, filters), then the epilogue.
void conv2d(ScalarType t, const Conv2DGeometry& g, const void* input, const void* filters,
            void* output, const Conv2DEpilogue& epilogue = {});
// d_input = the gradient of conv2d with respect to its input, given d_output (the transposed
// convolution of d_output with filters).
void conv2d_backprop_input(ScalarType t, const Conv2DGeometry& g, const void* filters,
                           const void* d_output, void* d_input);
// d_filters = the gradient of conv2d with respect to its filters, given input and d_output; and,
// where d_bias is not null, d_bias[out_c] = the sum of d_output over batch, height and width (the
// bias's gradient, in the same pass through oneDNN).
void conv2d_backprop_filter(ScalarType t, const Conv2DGeometry& g, const void* input,
                            const void* d_output, void* d_filters, void* d_bias = nullptr);

}  // namespace tandem::kernels::cpu
