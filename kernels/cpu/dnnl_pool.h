// float32 average pooling through oneDNN's pooling primitives (average over the cells inside the
// input, oneDNN's pooling_avg_exclude_padding: pool.h's contract), on NHWC data, with primitives
// cached per geometry and thread count (dnnl_cache.h). Max pooling stays on pool.cc's kernel: its
// ops need the flat int64 argmax, which oneDNN's opaque workspace does not give.
//
// pool.cc asks use_dnnl_avg_pool2d first; the dnnl_* functions then run the primitive, or return
// false, having written nothing, where they cannot (a build without oneDNN, an empty dimension, a
// geometry oneDNN refuses); pool.cc then runs its own loops.
#pragma once

#include "kernels/cpu/pool.h"

namespace tandem::kernels::cpu {

bool use_dnnl_avg_pool2d(const Pool2DGeometry& g);

// Turns the oneDNN path off (and on again) for the whole process, for benchmarks and tests.
void set_dnnl_pool2d_enabled(bool enabled);

bool dnnl_avg_pool2d(const Pool2DGeometry& g, const float* input, float* output);
bool dnnl_avg_pool2d_backprop(const Pool2DGeometry& g, const float* d_output, float* d_input);

}  // namespace tandem::kernels::cpu
