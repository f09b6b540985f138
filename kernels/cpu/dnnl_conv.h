// float32 2-D convolution through oneDNN's convolution primitives, on the NHWC data and
// [KH, KW, C, O] filters of conv.h. Primitives are created once per geometry, epilogue and thread
// count and cached (dnnl_cache.h). The filters travel in the primitive's preferred blocked layout
// through a reorder.
//
// conv.cc asks use_dnnl_conv2d first (the policy: where oneDNN measured faster). The dnnl_*
// functions then run the primitive, or return false, having written nothing, where they cannot: a
// build without oneDNN, an empty dimension, a geometry oneDNN refuses. conv.cc then runs its
// im2col path.
#pragma once

#include "kernels/cpu/conv.h"

namespace tandem::kernels::cpu {

enum class Conv2DPass { kForward, kBackpropInput, kBackpropFilter };

// Whether the oneDNN path takes this pass of this geometry. It does wherever oneDNN accepts the
// geometry, except the input gradient with fewer than 8 input channels, where im2col + GEMM
// measured faster (bench/conv_bench.cc, docs/performance.md: 1 and 3 channels 1.4-2x slower
// through oneDNN 2.6, 8 channels 6x faster).
bool use_dnnl_conv2d(const Conv2DGeometry& g, Conv2DPass pass);

// Turns the oneDNN path off (and on again) for the whole process, so that benchmarks and tests can
// time and compare the im2col path on the same geometry. On by default.
void set_dnnl_conv2d_enabled(bool enabled);

// bias (may be null) and relu: conv.h's Conv2DEpilogue, as oneDNN post-ops.
bool dnnl_conv2d(const Conv2DGeometry& g, const float* input, const float* filters, float* output,
                 const float* bias = nullptr, bool relu = false);
bool dnnl_conv2d_backprop_input(const Conv2DGeometry& g, const float* filters,
                                const float* d_output, float* d_input);
// d_bias (may be null): the bias gradient, summed in the same pass.
bool dnnl_conv2d_backprop_filter(const Conv2DGeometry& g, const float* input, const float* d_output,
                                 float* d_filters, float* d_bias = nullptr);

}  // namespace tandem::kernels::cpu
