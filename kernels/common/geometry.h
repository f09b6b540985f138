// The layouts the structured kernels work on (convolution, pooling, gather/scatter, matmul). They
// are shared by every device's launchers, so the ops describe a kernel call without naming a
// device.
#pragma once

#include <cstdint>

namespace tandem::kernels {

// 2-D convolution over NHWC data with [KH, KW, C, O] filters.
struct Conv2DGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;  // input [batch, in_h, in_w, in_c]
  int64_t k_h = 0, k_w = 0, out_c = 0;              // filters [k_h, k_w, in_c, out_c]
  int64_t out_h = 0, out_w = 0;                     // output [batch, out_h, out_w, out_c]
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // cells of implicit zeros before the input
};

// 2-D pooling over NHWC data.
struct Pool2DGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;  // input [batch, in_h, in_w, channels]
  int64_t k_h = 0, k_w = 0;                             // window
  int64_t out_h = 0, out_w = 0;                         // output [batch, out_h, out_w, channels]
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

// Gather/scatter along one axis: params is viewed as [batch, outer, axis_size, inner], indices as
// [batch, num_indices] and the gathered result as [batch, outer, num_indices, inner].
struct GatherGeometry {
  int64_t batch = 1;
  int64_t outer = 1;
  int64_t axis_size = 1;
  int64_t num_indices = 0;
  int64_t inner = 1;
};

// Batched matmul: for each b in [0, batch), C[b] = op(A[a_index[b]]) @ op(B[b_index[b]]), where op
// transposes when asked, op(A) is [m, k], op(B) is [k, n] and C[b] is [m, n]. A null index means
// "b itself"; an index lets a broadcast batch reuse one matrix without copying it.
struct MatmulSpec {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  const int64_t* a_index = nullptr;
  const int64_t* b_index = nullptr;
};

}  // namespace tandem::kernels
