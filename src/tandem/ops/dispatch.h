// Kernel dispatch (DESIGN section 2): the one place where ops reach kernels. Each function serves
// one kernel family, checks that the family has a kernel for its tensors' device before it
// allocates anything, allocates the outputs, and runs the CPU or the CUDA kernel. No op file names
// kernels::cpu or kernels::cuda (tests/unit/ops/dispatch_test.cc checks that).
//
// Arguments arrive validated by the op (shapes, dtypes, one device); `op` names the op the user
// called, for the error raised when no kernel is built for the device.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/common/functors.h"
#include "kernels/common/geometry.h"
#include "kernels/common/optimizer_update.h"
#include "kernels/common/philox.h"
#include "kernels/common/reduce_op.h"
#include "tandem/core/mutable_tensor.h"
#include "tandem/core/tensor.h"

namespace tandem::ops::dispatch {

// The kernel families; a family has a kernel for a device or not as a whole.
enum class Family {
  kElementwise,  // unary, binary, cast, fill, copy
  kSelect,       // where, broadcast_to
  kReduce,       // reductions, arg-reductions, cumsum, softmax
  kMatmul,
  kConv,
  kPool,
  kGather,  // gather / scatter along an axis, copies through index maps, concat / split
  kTranspose,
  kSort,
  kRandom,
  kCrossEntropy,
  kOptimizerUpdate,  // the fused multi-tensor optimizer rules

  kBatchNorm,  // fused batch normalization, forward and backward
};
const char* family_name(Family f);

// Whether this build has `f`'s kernel for `device` (every family on the CPU).
bool has_kernel(Family f, Device device);
// ValueError naming `op`, the family and the device unless has_kernel(f, device).
void check_kernel(Family f, const char* op, Device device);
// check_kernel, then an uninitialised output (for ops that must allocate before they build the
// kernel's arguments, so an oversized request fails naming the op).
MutableTensor allocate(Family f, const char* op, const Shape& shape, DType dtype, Device device);

// ---- element-wise ----
// y = op(x), of x's dtype and shape.
Tensor unary(const char* op, kernels::UnaryOp u, const Tensor& x, float alpha = 0.f);
// z = op(x, y) broadcast to `shape` (bool for comparisons, else x's dtype).
Tensor binary(const char* op, kernels::BinaryOp b, const Tensor& x, const Tensor& y,
              const Shape& shape);
// out = op(a, b) in place, out's shape (a may be out.view(): Variable's assign_add).
void binary_into(const char* op, kernels::BinaryOp b, const Tensor& a, const Tensor& y,
                 MutableTensor& out);
Tensor cast(const Tensor& x, DType to);
Tensor fill(const char* op, const Shape& shape, DType dtype, Device device, double value);
// A copy of x in storage of its own (strings included).
Tensor copy(const char* op, const Tensor& x);
// dst = src, same dtype and shape.
void copy_into(const char* op, const Tensor& src, MutableTensor& dst);

// ---- select ----
// cond ? x : y broadcast to `shape`; cond is bool.
Tensor select(const Tensor& cond, const Tensor& x, const Tensor& y, const Shape& shape);
Tensor broadcast(const Tensor& x, const Shape& shape);

// ---- reduce: x viewed as [outer, r, inner], reduced (or scanned) along r ----
Tensor reduce(const char* op, kernels::ReduceOp r_op, const Tensor& x, int64_t outer, int64_t r,
              int64_t inner, const Shape& out_shape);
// int64 indices of out_shape.
Tensor arg_reduce(const char* op, kernels::ArgReduceOp a_op, const Tensor& x, int64_t outer,
                  int64_t r, int64_t inner, const Shape& out_shape);
Tensor cumsum(const Tensor& x, int64_t outer, int64_t r, int64_t inner, bool exclusive,
              bool reverse);
Tensor softmax(const char* op, const Tensor& logits, int64_t outer, int64_t r, int64_t inner,
               bool log);

// ---- matmul ----
Tensor batch_matmul(const Tensor& a, const Tensor& b, const kernels::MatmulSpec& spec,
                    const Shape& out_shape);

// ---- conv (NHWC input, [KH, KW, C, O] filters) ----
Shape conv2d_input_shape(const kernels::Conv2DGeometry& g);
Shape conv2d_filter_shape(const kernels::Conv2DGeometry& g);
Shape conv2d_output_shape(const kernels::Conv2DGeometry& g);
// bias (undefined or [out_c]) and relu: applied as the convolution writes its output.
Tensor conv2d(const Tensor& x, const Tensor& w, const kernels::Conv2DGeometry& g,
              const Tensor& bias = Tensor(), bool relu = false);
Tensor conv2d_backprop_input(const Tensor& w, const Tensor& dy, const kernels::Conv2DGeometry& g);
Tensor conv2d_backprop_filter(const Tensor& x, const Tensor& dy, const kernels::Conv2DGeometry& g);
// The filters' and the bias's gradients in one pass.
std::pair<Tensor, Tensor> conv2d_backprop_filter_and_bias(const Tensor& x, const Tensor& dy,
                                                          const kernels::Conv2DGeometry& g);

// ---- pool ----
Shape pool2d_input_shape(const kernels::Pool2DGeometry& g);
Shape pool2d_output_shape(const kernels::Pool2DGeometry& g);
struct MaxPool {
  Tensor output;
  Tensor argmax;  // int64 flat input index of each output's maximum; undefined without with_argmax
};
MaxPool max_pool2d(const Tensor& x, const kernels::Pool2DGeometry& g, bool with_argmax = true);
Tensor max_pool2d_backprop(const Tensor& dy, const Tensor& argmax,
                           const kernels::Pool2DGeometry& g);
// out[i] = x[argmax[i]] (the adjoint of max_pool2d_backprop).
Tensor gather_argmax(const Tensor& x, const Tensor& argmax, const kernels::Pool2DGeometry& g);
Tensor avg_pool2d(const Tensor& x, const kernels::Pool2DGeometry& g);
Tensor avg_pool2d_backprop(const Tensor& dy, const kernels::Pool2DGeometry& g);

// ---- gather / scatter (positions are validated host indices, [batch, num_indices]) ----
Tensor gather(const char* op, const Tensor& params, const int64_t* positions,
              const kernels::GatherGeometry& g, const Shape& out_shape);
// zeros(out_shape) with `updates` added at the positions.
Tensor scatter_add(const char* op, const Tensor& updates, const int64_t* positions,
                   const kernels::GatherGeometry& g, const Shape& out_shape);
// A copy of `tensor` with `updates` added (add) or written at the positions.
Tensor scatter_into_copy(const char* op, const Tensor& tensor, const Tensor& updates,
                         const int64_t* positions, const kernels::GatherGeometry& g, bool add);
// out[j...] = x[maps[0][j_0], ...], or *fill where a map holds -1; out comes from allocate().
Tensor gather_by_maps(const Tensor& x, const int64_t* const* maps, const void* fill,
                      MutableTensor&& out);
// zeros(in_shape) with every dy element added at the source its maps name (the adjoint); the maps
// address dy as `mapped_shape` (dy's elements in in_shape's rank).
Tensor scatter_add_by_maps(const char* op, const Tensor& dy, const Shape& mapped_shape,
                           const Shape& in_shape, const int64_t* const* maps);
// values joined along `axis` into out_shape.
Tensor concat(const std::vector<Tensor>& values, int axis, const Shape& out_shape);
// x cut along `axis` into parts of the given sizes (which add up to the axis).
std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes);

// ---- transpose ----
Tensor transpose(const Tensor& x, const std::vector<int>& perm);

// ---- sort: x viewed as [rows, n] along its last axis ----
// int32 [..., k]: the first k positions of each row in sorted order.
Tensor argsort_rows(const char* op, const Tensor& x, int64_t k, bool descending);
// out[..., j] = x[..., idx[..., j]].
Tensor gather_rows(const Tensor& x, const Tensor& idx);
// zeros [..., n] with updates[..., j] added at idx[..., j].
Tensor scatter_add_rows(const Tensor& updates, const Tensor& idx, int64_t n);

// ---- random (drawn on the host, a function of the stream only) ----
Tensor random_uniform(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double minval,
                      double maxval);
Tensor random_uniform_int(const Shape& shape, DType dtype, kernels::PhiloxStream stream,
                          int64_t minval, int64_t maxval);
Tensor random_normal(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double mean,
                     double stddev);
Tensor truncated_normal(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double mean,
                        double stddev);
// x's rows in a random order (x on any device; the result on x's device).
Tensor shuffle_rows(const Tensor& x, kernels::PhiloxStream stream);

// ---- cross-entropy (rows of `classes` logits along the last axis) ----
struct SoftmaxCrossEntropy {
  Tensor loss;       // [rows...]
  Tensor backprop;   // logits' shape
  Tensor logsumexp;  // [rows...]
};
SoftmaxCrossEntropy softmax_cross_entropy(const Tensor& logits, const Tensor& labels);
// labels: int32/int64 class indices in range.
std::pair<Tensor, Tensor> sparse_softmax_cross_entropy(const Tensor& logits, const Tensor& labels);
// {loss, sigmoid(logits)}.
std::pair<Tensor, Tensor> sigmoid_cross_entropy(const Tensor& logits, const Tensor& labels);

// ---- optimizer update (kernels/common/optimizer_update.h) ----
// Whether the fused update has a kernel for `dtype` on `device` (float32 and float64 on the CPU).
bool has_update_kernel(Device device, DType dtype);
// Applies `u` in place to every variable at once: `targets` holds, for each variable i, the
// variable's storage and then its kernels::num_update_slots(u) slots, and grads[i] is its
// gradient; all of one dtype and device, each group of one shape (the caller checked).
void optimizer_update(const char* op, const kernels::OptimizerUpdate& u,
                      const std::vector<Tensor>& grads, std::vector<MutableTensor>& targets);
// How many optimizer_update calls this process has made: a test hook, so that tests can check
// that a training step took the multi-tensor path (one call for all its variables).
int64_t optimizer_update_calls();

// ---- batch normalization ----
// Channels last: x viewed as [rows, channels], statistics [channels]. scale / offset may be
// undefined (1 / 0); running_mean / running_variance may be undefined (no moving-average update).
struct BatchNormTraining {
  Tensor y;
  Tensor batch_mean;  // the population statistics of x's channels
  Tensor batch_variance;
  Tensor running_mean;  // running * (1 - factor) + batch * factor; undefined without running_*
  Tensor running_variance;
};
BatchNormTraining batch_norm_training(const Tensor& x, const Tensor& scale, const Tensor& offset,
                                      double epsilon, const Tensor& running_mean,
                                      const Tensor& running_variance, double factor);
Tensor batch_norm_inference(const Tensor& x, const Tensor& scale, const Tensor& offset,
                            const Tensor& mean, const Tensor& variance, double epsilon);
struct BatchNormGrads {
  Tensor dx, dscale, doffset;  // each undefined where not asked for
};
// The gradients of either pass, from the statistics it normalised with.
BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& scale,
                                   const Tensor& mean, const Tensor& variance, double epsilon,
                                   bool training, bool want_dx, bool want_dscale,
                                   bool want_doffset);

}  // namespace tandem::ops::dispatch
