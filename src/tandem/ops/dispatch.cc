#include "tandem/ops/dispatch.h"

#include <atomic>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "kernels/cpu/batch_norm.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/cross_entropy.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/gather.h"
#include "kernels/cpu/index_map.h"
#include "kernels/cpu/matmul.h"
#include "kernels/cpu/optimizer_update.h"
#include "kernels/cpu/pool.h"
#include "kernels/cpu/random.h"
#include "kernels/cpu/reduce.h"
#include "kernels/cpu/sort.h"
#include "kernels/cpu/transpose.h"
#include "tandem/ops/op_utils.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem::ops::dispatch {

const char* family_name(Family f) {
  switch (f) {
    case Family::kElementwise:
      return "element-wise";
    case Family::kSelect:
      return "select";
    case Family::kReduce:
      return "reduce";
    case Family::kMatmul:
      return "matmul";
    case Family::kConv:
      return "conv";
    case Family::kPool:
      return "pool";
    case Family::kGather:
      return "gather/scatter";
    case Family::kTranspose:
      return "transpose";
    case Family::kSort:
      return "sort";
    case Family::kRandom:
      return "random";
    case Family::kCrossEntropy:
      return "cross-entropy";
    case Family::kOptimizerUpdate:
      return "optimizer update";
    case Family::kBatchNorm:
      return "batch normalization";
  }
  return "unknown";
}

bool has_kernel(Family f, Device device) {
  if (device.is_cpu()) return true;
#ifdef TANDEM_HAVE_CUDA
  return f == Family::kElementwise;
#else
  (void)f;
  return false;
#endif
}

void check_kernel(Family f, const char* op, Device device) {
  if (has_kernel(f, device)) return;
#ifdef TANDEM_HAVE_CUDA
  throw ValueError(detail::concat(op, ": the CUDA kernel for ", family_name(f),
                                  " ops is not built yet (received a tensor on ",
                                  device.to_string(), ")"));
#else
  throw ValueError(detail::concat(op, ": received a tensor on ", device.to_string(),
                                  ", but this build of Tandem has no CUDA support"));
#endif
}

MutableTensor allocate(Family f, const char* op, const Shape& shape, DType dtype, Device device) {
  check_kernel(f, op, device);
  return MutableTensor::empty(shape, dtype, device, op);
}

namespace {

// The CPU and the CUDA launchers of a family differ only in the device argument; a family with no
// CUDA kernel never gets past check_kernel with a CUDA tensor.
bool on_cuda(Family f, const char* op, Device device) {
  check_kernel(f, op, device);
  return device.is_cuda();
}

// Copies `chunk` host elements (strings as std::string, else bytes).
void copy_elements(DType dtype, const void* src, void* dst, int64_t chunk) {
  if (dtype == DType::kString) {
    const auto* s = static_cast<const std::string*>(src);
    auto* d = static_cast<std::string*>(dst);
    for (int64_t k = 0; k < chunk; ++k) d[k] = s[k];
  } else {
    std::memcpy(dst, src, static_cast<size_t>(chunk) * dtype_size(dtype));
  }
}

#ifndef TANDEM_HAVE_CUDA
[[noreturn]] void unreachable_cuda(const char* op) {
  throw ValueError(detail::concat(op, ": this build of Tandem has no CUDA support"));
}
#endif

}  // namespace

// ---- element-wise ----

Tensor unary(const char* op, kernels::UnaryOp u, const Tensor& x, float alpha) {
  bool cuda = on_cuda(Family::kElementwise, op, x.device());
  MutableTensor y = MutableTensor::empty(x.shape(), x.dtype(), x.device(), op);
  if (cuda) {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::unary(x.device().index(), u, x.dtype(), x.raw_data(), y.mutable_raw_data(),
                         x.num_elements(), alpha);
#else
    unreachable_cuda(op);
#endif
  } else {
    kernels::cpu::unary(u, x.dtype(), x.raw_data(), y.mutable_raw_data(), x.num_elements(), alpha);
  }
  return std::move(y).freeze();
}

void binary_into(const char* op, kernels::BinaryOp b, const Tensor& a, const Tensor& y,
                 MutableTensor& out) {
  bool cuda = on_cuda(Family::kElementwise, op, a.device());
  kernels::BroadcastSpec spec = make_broadcast_spec(out.shape(), a.shape(), y.shape());
  if (cuda) {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::binary(a.device().index(), b, a.dtype(), a.raw_data(), y.raw_data(),
                          out.mutable_raw_data(), spec);
#else
    unreachable_cuda(op);
#endif
  } else {
    kernels::cpu::binary(b, a.dtype(), a.raw_data(), y.raw_data(), out.mutable_raw_data(), spec);
  }
}

Tensor binary(const char* op, kernels::BinaryOp b, const Tensor& x, const Tensor& y,
              const Shape& shape) {
  check_kernel(Family::kElementwise, op, x.device());
  DType out_dtype = kernels::produces_bool(b) ? DType::kBool : x.dtype();
  MutableTensor z = MutableTensor::empty(shape, out_dtype, x.device(), op);
  binary_into(op, b, x, y, z);
  return std::move(z).freeze();
}

Tensor cast(const Tensor& x, DType to) {
  bool cuda = on_cuda(Family::kElementwise, "cast", x.device());
  MutableTensor y = MutableTensor::empty(x.shape(), to, x.device(), "cast");
  if (cuda) {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::cast(x.device().index(), x.dtype(), to, x.raw_data(), y.mutable_raw_data(),
                        x.num_elements());
#else
    unreachable_cuda("cast");
#endif
  } else {
    kernels::cpu::cast(x.dtype(), to, x.raw_data(), y.mutable_raw_data(), x.num_elements());
  }
  return std::move(y).freeze();
}

Tensor fill(const char* op, const Shape& shape, DType dtype, Device device, double value) {
  bool cuda = on_cuda(Family::kElementwise, op, device);
  MutableTensor y = MutableTensor::empty(shape, dtype, device, op);
  if (cuda) {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::fill(device.index(), dtype, y.mutable_raw_data(), y.num_elements(), value);
#else
    unreachable_cuda(op);
#endif
  } else {
    kernels::cpu::fill(dtype, y.mutable_raw_data(), y.num_elements(), value);
  }
  return std::move(y).freeze();
}

void copy_into(const char* op, const Tensor& src, MutableTensor& dst) {
  bool cuda = on_cuda(Family::kElementwise, op, src.device());
  if (cuda) {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::copy(dst.mutable_raw_data(), src.raw_data(), src.nbytes(), src.device().index());
#else
    unreachable_cuda(op);
#endif
  } else {
    copy_elements(src.dtype(), src.raw_data(), dst.mutable_raw_data(), src.num_elements());
  }
}

Tensor copy(const char* op, const Tensor& x) {
  check_kernel(Family::kElementwise, op, x.device());
  MutableTensor y = MutableTensor::empty(x.shape(), x.dtype(), x.device(), op);
  copy_into(op, x, y);
  return std::move(y).freeze();
}

// ---- select ----

Tensor select(const Tensor& cond, const Tensor& x, const Tensor& y, const Shape& shape) {
  MutableTensor out = allocate(Family::kSelect, "where", shape, x.dtype(), x.device());
  kernels::BroadcastSpec spec = make_broadcast_spec(shape, x.shape(), y.shape());
  std::vector<int64_t> cond_stride = broadcast_strides(cond.shape(), shape);
  kernels::cpu::select(x.dtype(), cond.data<bool>(), cond_stride.data(), x.raw_data(), y.raw_data(),
                       out.mutable_raw_data(), spec);
  return std::move(out).freeze();
}

Tensor broadcast(const Tensor& x, const Shape& shape) {
  MutableTensor y = allocate(Family::kSelect, "broadcast_to", shape, x.dtype(), x.device());
  kernels::cpu::broadcast(x.dtype(), x.raw_data(), y.mutable_raw_data(),
                          make_broadcast_spec(shape, x.shape(), x.shape()));
  return std::move(y).freeze();
}

// ---- reduce ----

Tensor reduce(const char* op, kernels::ReduceOp r_op, const Tensor& x, int64_t outer, int64_t r,
              int64_t inner, const Shape& out_shape) {
  MutableTensor out = allocate(Family::kReduce, op, out_shape, x.dtype(), x.device());
  kernels::cpu::reduce(r_op, x.dtype(), x.raw_data(), out.mutable_raw_data(), outer, r, inner);
  return std::move(out).freeze();
}

Tensor arg_reduce(const char* op, kernels::ArgReduceOp a_op, const Tensor& x, int64_t outer,
                  int64_t r, int64_t inner, const Shape& out_shape) {
  MutableTensor out = allocate(Family::kReduce, op, out_shape, DType::kInt64, x.device());
  kernels::cpu::arg_reduce(a_op, x.dtype(), x.raw_data(), out.mutable_data<int64_t>(), outer, r,
                           inner);
  return std::move(out).freeze();
}

Tensor cumsum(const Tensor& x, int64_t outer, int64_t r, int64_t inner, bool exclusive,
              bool reverse) {
  MutableTensor y = allocate(Family::kReduce, "cumsum", x.shape(), x.dtype(), x.device());
  kernels::cpu::cumsum(x.dtype(), x.raw_data(), y.mutable_raw_data(), outer, r, inner, exclusive,
                       reverse);
  return std::move(y).freeze();
}

Tensor softmax(const char* op, const Tensor& logits, int64_t outer, int64_t r, int64_t inner,
               bool log) {
  MutableTensor y = allocate(Family::kReduce, op, logits.shape(), logits.dtype(), logits.device());
  kernels::cpu::softmax(logits.dtype(), logits.raw_data(), y.mutable_raw_data(), outer, r, inner,
                        log);
  return std::move(y).freeze();
}

// ---- matmul ----

Tensor batch_matmul(const Tensor& a, const Tensor& b, const kernels::MatmulSpec& spec,
                    const Shape& out_shape) {
  MutableTensor y = allocate(Family::kMatmul, "matmul", out_shape, a.dtype(), a.device());
  kernels::cpu::batch_matmul(a.dtype(), spec, a.raw_data(), b.raw_data(), y.mutable_raw_data());
  return std::move(y).freeze();
}

// ---- conv ----

Shape conv2d_input_shape(const kernels::Conv2DGeometry& g) {
  return {g.batch, g.in_h, g.in_w, g.in_c};
}
Shape conv2d_filter_shape(const kernels::Conv2DGeometry& g) {
  return {g.k_h, g.k_w, g.in_c, g.out_c};
}
Shape conv2d_output_shape(const kernels::Conv2DGeometry& g) {
  return {g.batch, g.out_h, g.out_w, g.out_c};
}

Tensor conv2d(const Tensor& x, const Tensor& w, const kernels::Conv2DGeometry& g,
              const Tensor& bias, bool relu) {
  MutableTensor y =
      allocate(Family::kConv, "conv2d", conv2d_output_shape(g), x.dtype(), x.device());
  kernels::cpu::conv2d(x.dtype(), g, x.raw_data(), w.raw_data(), y.mutable_raw_data(),
                       {.bias = bias.defined() ? bias.raw_data() : nullptr, .relu = relu});
  return std::move(y).freeze();
}

Tensor conv2d_backprop_input(const Tensor& w, const Tensor& dy, const kernels::Conv2DGeometry& g) {
  MutableTensor dx = allocate(Family::kConv, "conv2d_backprop_input", conv2d_input_shape(g),
                              w.dtype(), w.device());
  kernels::cpu::conv2d_backprop_input(w.dtype(), g, w.raw_data(), dy.raw_data(),
                                      dx.mutable_raw_data());
  return std::move(dx).freeze();
}

Tensor conv2d_backprop_filter(const Tensor& x, const Tensor& dy, const kernels::Conv2DGeometry& g) {
  MutableTensor dw = allocate(Family::kConv, "conv2d_backprop_filter", conv2d_filter_shape(g),
                              x.dtype(), x.device());
  kernels::cpu::conv2d_backprop_filter(x.dtype(), g, x.raw_data(), dy.raw_data(),
                                       dw.mutable_raw_data());
  return std::move(dw).freeze();
}

std::pair<Tensor, Tensor> conv2d_backprop_filter_and_bias(const Tensor& x, const Tensor& dy,
                                                          const kernels::Conv2DGeometry& g) {
  const char* op = "conv2d_backprop_filter";
  MutableTensor dw = allocate(Family::kConv, op, conv2d_filter_shape(g), x.dtype(), x.device());
  MutableTensor db = allocate(Family::kConv, op, Shape{g.out_c}, x.dtype(), x.device());
  kernels::cpu::conv2d_backprop_filter(x.dtype(), g, x.raw_data(), dy.raw_data(),
                                       dw.mutable_raw_data(), db.mutable_raw_data());
  return {std::move(dw).freeze(), std::move(db).freeze()};
}

// ---- pool ----

Shape pool2d_input_shape(const kernels::Pool2DGeometry& g) {
  return {g.batch, g.in_h, g.in_w, g.channels};
}
Shape pool2d_output_shape(const kernels::Pool2DGeometry& g) {
  return {g.batch, g.out_h, g.out_w, g.channels};
}

MaxPool max_pool2d(const Tensor& x, const kernels::Pool2DGeometry& g, bool with_argmax) {
  check_kernel(Family::kPool, "max_pool2d", x.device());
  MutableTensor y = MutableTensor::empty(pool2d_output_shape(g), x.dtype(), x.device());
  if (!with_argmax) {
    kernels::cpu::max_pool2d(x.dtype(), g, x.raw_data(), y.mutable_raw_data(), nullptr);
    return {std::move(y).freeze(), Tensor()};
  }
  MutableTensor argmax = MutableTensor::empty(pool2d_output_shape(g), DType::kInt64, x.device());
  kernels::cpu::max_pool2d(x.dtype(), g, x.raw_data(), y.mutable_raw_data(),
                           argmax.mutable_data<int64_t>());
  return {std::move(y).freeze(), std::move(argmax).freeze()};
}

Tensor max_pool2d_backprop(const Tensor& dy, const Tensor& argmax,
                           const kernels::Pool2DGeometry& g) {
  MutableTensor dx =
      allocate(Family::kPool, "max_pool2d_grad", pool2d_input_shape(g), dy.dtype(), dy.device());
  kernels::cpu::max_pool2d_backprop(dy.dtype(), g, dy.raw_data(), argmax.data<int64_t>(),
                                    dx.mutable_raw_data());
  return std::move(dx).freeze();
}

Tensor gather_argmax(const Tensor& x, const Tensor& argmax, const kernels::Pool2DGeometry& g) {
  MutableTensor y = allocate(Family::kPool, "max_pool2d_grad_grad", pool2d_output_shape(g),
                             x.dtype(), x.device());
  kernels::cpu::gather_argmax(x.dtype(), y.num_elements(), x.raw_data(), argmax.data<int64_t>(),
                              y.mutable_raw_data());
  return std::move(y).freeze();
}

Tensor avg_pool2d(const Tensor& x, const kernels::Pool2DGeometry& g) {
  MutableTensor y =
      allocate(Family::kPool, "avg_pool2d", pool2d_output_shape(g), x.dtype(), x.device());
  kernels::cpu::avg_pool2d(x.dtype(), g, x.raw_data(), y.mutable_raw_data());
  return std::move(y).freeze();
}

Tensor avg_pool2d_backprop(const Tensor& dy, const kernels::Pool2DGeometry& g) {
  MutableTensor dx =
      allocate(Family::kPool, "avg_pool2d_grad", pool2d_input_shape(g), dy.dtype(), dy.device());
  kernels::cpu::avg_pool2d_backprop(dy.dtype(), g, dy.raw_data(), dx.mutable_raw_data());
  return std::move(dx).freeze();
}

// ---- gather / scatter ----

namespace {
// zeros of `shape`, written by a scatter kernel next.
MutableTensor zeros_output(Family f, const char* op, const Shape& shape, DType dtype,
                           Device device) {
  MutableTensor out = allocate(f, op, shape, dtype, device);
  kernels::cpu::fill(dtype, out.mutable_raw_data(), out.num_elements(), 0);
  return out;
}
}  // namespace

Tensor gather(const char* op, const Tensor& params, const int64_t* positions,
              const kernels::GatherGeometry& g, const Shape& out_shape) {
  MutableTensor y = allocate(Family::kGather, op, out_shape, params.dtype(), params.device());
  kernels::cpu::gather(params.dtype(), params.raw_data(), positions, y.mutable_raw_data(), g);
  return std::move(y).freeze();
}

Tensor scatter_add(const char* op, const Tensor& updates, const int64_t* positions,
                   const kernels::GatherGeometry& g, const Shape& out_shape) {
  MutableTensor y = zeros_output(Family::kGather, op, out_shape, updates.dtype(), updates.device());
  kernels::cpu::scatter_add(updates.dtype(), updates.raw_data(), positions, y.mutable_raw_data(),
                            g);
  return std::move(y).freeze();
}

Tensor scatter_into_copy(const char* op, const Tensor& tensor, const Tensor& updates,
                         const int64_t* positions, const kernels::GatherGeometry& g, bool add) {
  MutableTensor y = allocate(Family::kGather, op, tensor.shape(), tensor.dtype(), tensor.device());
  copy_elements(tensor.dtype(), tensor.raw_data(), y.mutable_raw_data(), tensor.num_elements());
  if (add) {
    kernels::cpu::scatter_add(y.dtype(), updates.raw_data(), positions, y.mutable_raw_data(), g);
  } else {
    kernels::cpu::scatter_update(y.dtype(), updates.raw_data(), positions, y.mutable_raw_data(), g);
  }
  return std::move(y).freeze();
}

Tensor gather_by_maps(const Tensor& x, const int64_t* const* maps, const void* fill,
                      MutableTensor&& out) {
  kernels::cpu::gather_by_maps(x.dtype(), x.raw_data(), x.shape().dims().data(),
                               out.mutable_raw_data(), out.shape().dims().data(), x.rank(), maps,
                               fill);
  return std::move(out).freeze();
}

Tensor scatter_add_by_maps(const char* op, const Tensor& dy, const Shape& mapped_shape,
                           const Shape& in_shape, const int64_t* const* maps) {
  MutableTensor dx = zeros_output(Family::kGather, op, in_shape, dy.dtype(), dy.device());
  kernels::cpu::scatter_add_by_maps(dy.dtype(), dy.raw_data(), mapped_shape.dims().data(),
                                    dx.mutable_raw_data(), in_shape.dims().data(), in_shape.rank(),
                                    maps);
  return std::move(dx).freeze();
}

Tensor concat(const std::vector<Tensor>& values, int axis, const Shape& out_shape) {
  const Tensor& first = values[0];
  MutableTensor y = allocate(Family::kGather, "concat", out_shape, first.dtype(), first.device());
  std::span<const int64_t> dims = out_shape.dims();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t total = dims[axis];
  const size_t es = dtype_size(first.dtype());
  char* out = static_cast<char*>(y.mutable_raw_data());
  int64_t offset = 0;
  for (const Tensor& v : values) {
    int64_t chunk = v.shape()[axis] * inner;
    const char* in = static_cast<const char*>(v.raw_data());
    for (int64_t o = 0; o < outer; ++o) {
      copy_elements(first.dtype(), in + o * chunk * es, out + (o * total * inner + offset) * es,
                    chunk);
    }
    offset += chunk;
  }
  return std::move(y).freeze();
}

std::vector<Tensor> split(const Tensor& x, int axis, const std::vector<int64_t>& sizes) {
  check_kernel(Family::kGather, "split", x.device());
  const int64_t dim = x.shape()[axis];
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (int d = axis + 1; d < x.rank(); ++d) inner *= x.shape()[d];
  const size_t es = dtype_size(x.dtype());
  const char* in = static_cast<const char*>(x.raw_data());
  std::vector<Tensor> outs;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    std::vector<int64_t> dims = x.shape().as_list();
    dims[axis] = s;
    MutableTensor part = MutableTensor::empty(Shape(dims), x.dtype(), x.device(), "split");
    char* out = static_cast<char*>(part.mutable_raw_data());
    int64_t chunk = s * inner;
    for (int64_t o = 0; o < outer; ++o) {
      copy_elements(x.dtype(), in + (o * dim * inner + offset) * es, out + o * chunk * es, chunk);
    }
    outs.push_back(std::move(part).freeze());
    offset += chunk;
  }
  return outs;
}

// ---- transpose ----

Tensor transpose(const Tensor& x, const std::vector<int>& perm) {
  const int r = x.rank();
  std::vector<int64_t> dims(r);
  for (int i = 0; i < r; ++i) dims[i] = x.shape()[perm[i]];
  MutableTensor y = allocate(Family::kTranspose, "transpose", Shape(dims), x.dtype(), x.device());
  if (x.dtype() == DType::kString) {
    // Permute element numbers (8-byte values), then copy the strings they name.
    std::vector<int64_t> order(static_cast<size_t>(x.num_elements()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    std::vector<int64_t> moved(order.size());
    kernels::cpu::transpose(order.data(), moved.data(), x.shape().dims().data(), perm.data(), r, 8);
    const std::string* src = x.data<std::string>();
    std::string* dst = y.mutable_data<std::string>();
    for (size_t i = 0; i < moved.size(); ++i) dst[i] = src[moved[i]];
  } else {
    kernels::cpu::transpose(x.raw_data(), y.mutable_raw_data(), x.shape().dims().data(),
                            perm.data(), r, dtype_size(x.dtype()));
  }
  return std::move(y).freeze();
}

// ---- sort ----

namespace {
int64_t last_dim(const Shape& s) { return s[s.rank() - 1]; }

// Rows of s viewed as [rows, last_dim] (counted from the shape, so a 0 last dim works).
int64_t rows_of(const Shape& s) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < s.rank(); ++d) rows *= s[d];
  return rows;
}

Shape with_last_dim(const Shape& s, int64_t n) {
  std::vector<int64_t> dims = s.as_list();
  dims.back() = n;
  return Shape(dims);
}
}  // namespace

Tensor argsort_rows(const char* op, const Tensor& x, int64_t k, bool descending) {
  MutableTensor idx =
      allocate(Family::kSort, op, with_last_dim(x.shape(), k), DType::kInt32, x.device());
  kernels::cpu::argsort_rows(x.dtype(), x.raw_data(), idx.mutable_data<int32_t>(),
                             rows_of(x.shape()), last_dim(x.shape()), k, descending);
  return std::move(idx).freeze();
}

Tensor gather_rows(const Tensor& x, const Tensor& idx) {
  MutableTensor out =
      allocate(Family::kSort, "gather_last_axis", idx.shape(), x.dtype(), x.device());
  kernels::cpu::gather_rows(x.raw_data(), idx.data<int32_t>(), out.mutable_raw_data(),
                            rows_of(x.shape()), last_dim(x.shape()), last_dim(idx.shape()),
                            dtype_size(x.dtype()));
  return std::move(out).freeze();
}

Tensor scatter_add_rows(const Tensor& updates, const Tensor& idx, int64_t n) {
  MutableTensor out =
      allocate(Family::kSort, "scatter_last_axis", with_last_dim(updates.shape(), n),
               updates.dtype(), updates.device());
  kernels::cpu::scatter_add_rows(updates.dtype(), updates.raw_data(), idx.data<int32_t>(),
                                 out.mutable_raw_data(), rows_of(updates.shape()),
                                 last_dim(updates.shape()), n);
  return std::move(out).freeze();
}

// ---- random ----

namespace {
// Numbers are drawn on the host (the CPU kernel); the ops move them to the default device.
MutableTensor host_output(const Shape& shape, DType dtype) {
  return MutableTensor::empty(shape, dtype, Device::cpu());
}
}  // namespace

Tensor random_uniform(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double minval,
                      double maxval) {
  MutableTensor out = host_output(shape, dtype);
  kernels::cpu::random_uniform(dtype, out.mutable_raw_data(), out.num_elements(), stream, minval,
                               maxval);
  return std::move(out).freeze();
}

Tensor random_uniform_int(const Shape& shape, DType dtype, kernels::PhiloxStream stream,
                          int64_t minval, int64_t maxval) {
  MutableTensor out = host_output(shape, dtype);
  kernels::cpu::random_uniform_int(dtype, out.mutable_raw_data(), out.num_elements(), stream,
                                   minval, maxval);
  return std::move(out).freeze();
}

Tensor random_normal(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double mean,
                     double stddev) {
  MutableTensor out = host_output(shape, dtype);
  kernels::cpu::random_normal(dtype, out.mutable_raw_data(), out.num_elements(), stream, mean,
                              stddev);
  return std::move(out).freeze();
}

Tensor truncated_normal(const Shape& shape, DType dtype, kernels::PhiloxStream stream, double mean,
                        double stddev) {
  MutableTensor out = host_output(shape, dtype);
  kernels::cpu::truncated_normal(dtype, out.mutable_raw_data(), out.num_elements(), stream, mean,
                                 stddev);
  return std::move(out).freeze();
}

Tensor shuffle_rows(const Tensor& x, kernels::PhiloxStream stream) {
  int64_t rows = x.shape()[0];
  std::vector<int64_t> perm(static_cast<size_t>(rows));
  kernels::cpu::random_permutation(perm.data(), rows, stream);
  Tensor host = x.cpu();
  MutableTensor out = host_output(x.shape(), x.dtype());
  int64_t row_elements = x.num_elements() / rows;
  if (x.dtype() == DType::kString) {
    const std::string* src = host.data<std::string>();
    std::string* dst = out.mutable_data<std::string>();
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t e = 0; e < row_elements; ++e)
        dst[k * row_elements + e] = src[perm[k] * row_elements + e];
  } else {
    kernels::cpu::gather_rows(host.raw_data(), out.mutable_raw_data(), perm.data(), rows,
                              static_cast<size_t>(row_elements) * dtype_size(x.dtype()));
  }
  return std::move(out).freeze().to(x.device());
}

// ---- cross-entropy ----

namespace {
Shape without_last(const Shape& s) {
  return Shape(std::vector<int64_t>(s.dims().begin(), s.dims().end() - 1));
}
}  // namespace

SoftmaxCrossEntropy softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_kernel(Family::kCrossEntropy, "softmax_cross_entropy_with_logits", logits.device());
  const Shape loss_shape = without_last(logits.shape());
  const int64_t classes = logits.shape().dim(-1);
  MutableTensor loss = MutableTensor::empty(loss_shape, logits.dtype(), logits.device());
  MutableTensor lse = MutableTensor::empty(loss_shape, logits.dtype(), logits.device());
  MutableTensor backprop = MutableTensor::empty(logits.shape(), logits.dtype(), logits.device());
  kernels::cpu::softmax_cross_entropy(logits.dtype(), loss_shape.num_elements(), classes,
                                      logits.raw_data(), labels.raw_data(), loss.mutable_raw_data(),
                                      backprop.mutable_raw_data(), lse.mutable_raw_data());
  return {std::move(loss).freeze(), std::move(backprop).freeze(), std::move(lse).freeze()};
}

std::pair<Tensor, Tensor> sparse_softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_kernel(Family::kCrossEntropy, "sparse_softmax_cross_entropy_with_logits", logits.device());
  const Shape loss_shape = without_last(logits.shape());
  MutableTensor loss = MutableTensor::empty(loss_shape, logits.dtype(), logits.device());
  MutableTensor backprop = MutableTensor::empty(logits.shape(), logits.dtype(), logits.device());
  kernels::cpu::sparse_softmax_cross_entropy(
      logits.dtype(), labels.dtype(), loss_shape.num_elements(), logits.shape().dim(-1),
      logits.raw_data(), labels.raw_data(), loss.mutable_raw_data(), backprop.mutable_raw_data());
  return {std::move(loss).freeze(), std::move(backprop).freeze()};
}

std::pair<Tensor, Tensor> sigmoid_cross_entropy(const Tensor& logits, const Tensor& labels) {
  check_kernel(Family::kCrossEntropy, "sigmoid_cross_entropy_with_logits", logits.device());
  MutableTensor loss = MutableTensor::empty(logits.shape(), logits.dtype(), logits.device());
  MutableTensor sig = MutableTensor::empty(logits.shape(), logits.dtype(), logits.device());
  kernels::cpu::sigmoid_cross_entropy(logits.dtype(), logits.num_elements(), logits.raw_data(),
                                      labels.raw_data(), loss.mutable_raw_data(),
                                      sig.mutable_raw_data());
  return {std::move(loss).freeze(), std::move(sig).freeze()};
}

// ---- optimizer update ----

namespace {
std::atomic<int64_t> update_calls{0};
}  // namespace

bool has_update_kernel(Device device, DType dtype) {
  return has_kernel(Family::kOptimizerUpdate, device) && kernels::cpu::has_update_kernel(dtype);
}

void optimizer_update(const char* op, const kernels::OptimizerUpdate& u,
                      const std::vector<Tensor>& grads, std::vector<MutableTensor>& targets) {
  const size_t group = 1 + static_cast<size_t>(kernels::num_update_slots(u));
  TANDEM_CHECK(targets.size() == grads.size() * group, ValueError, op, ": expected ",
               grads.size() * group, " variables and slots for ", grads.size(),
               " gradients, received ", targets.size());
  if (grads.empty()) return;
  const Device device = grads.front().device();
  const DType dtype = grads.front().dtype();
  check_kernel(Family::kOptimizerUpdate, op, device);
  TANDEM_CHECK(kernels::cpu::has_update_kernel(dtype), TypeError, op,
               ": the fused optimizer update takes float32 or float64, received ",
               dtype_name(dtype));
  std::vector<kernels::UpdateTensor> tensors(grads.size());
  for (size_t i = 0; i < grads.size(); ++i) {
    kernels::UpdateTensor& t = tensors[i];
    t.var = targets[i * group].mutable_raw_data();
    t.grad = grads[i].raw_data();
    t.n = grads[i].num_elements();
    for (size_t j = 1; j < group; ++j) t.slots[j - 1] = targets[i * group + j].mutable_raw_data();
  }
  update_calls.fetch_add(1, std::memory_order_relaxed);
  kernels::cpu::apply_update(u, dtype, tensors.data(), static_cast<int64_t>(tensors.size()));
}

int64_t optimizer_update_calls() { return update_calls.load(std::memory_order_relaxed); }

// ---- batch normalization ----

namespace {
const void* raw_or_null(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

// An output the caller asked for, or none.
std::optional<MutableTensor> maybe_empty(bool wanted, const Shape& shape, const Tensor& like) {
  if (!wanted) return std::nullopt;
  return MutableTensor::empty(shape, like.dtype(), like.device());
}
void* raw_or_null(std::optional<MutableTensor>& t) { return t ? t->mutable_raw_data() : nullptr; }
Tensor freeze_or_empty(std::optional<MutableTensor>& t) {
  return t ? std::move(*t).freeze() : Tensor();
}

int64_t rows_of(const Tensor& x, int64_t channels) {
  return channels > 0 ? x.num_elements() / channels : 0;
}
}  // namespace

BatchNormTraining batch_norm_training(const Tensor& x, const Tensor& scale, const Tensor& offset,
                                      double epsilon, const Tensor& running_mean,
                                      const Tensor& running_variance, double factor) {
  check_kernel(Family::kBatchNorm, "fused_batch_norm", x.device());
  const int64_t channels = x.shape().dim(-1);
  const Shape stats{channels};
  MutableTensor y = MutableTensor::empty(x.shape(), x.dtype(), x.device());
  MutableTensor mean = MutableTensor::empty(stats, x.dtype(), x.device());
  MutableTensor variance = MutableTensor::empty(stats, x.dtype(), x.device());
  const bool update = running_mean.defined() && running_variance.defined();
  std::optional<MutableTensor> new_mean = maybe_empty(update, stats, x);
  std::optional<MutableTensor> new_variance = maybe_empty(update, stats, x);
  kernels::cpu::batch_norm_training(
      x.dtype(), {.rows = rows_of(x, channels),
                  .channels = channels,
                  .x = x.raw_data(),
                  .scale = raw_or_null(scale),
                  .offset = raw_or_null(offset),
                  .epsilon = epsilon,
                  .y = y.mutable_raw_data(),
                  .batch_mean = mean.mutable_raw_data(),
                  .batch_variance = variance.mutable_raw_data(),
                  .running_mean = update ? running_mean.raw_data() : nullptr,
                  .running_variance = update ? running_variance.raw_data() : nullptr,
                  .factor = factor,
                  .new_running_mean = raw_or_null(new_mean),
                  .new_running_variance = raw_or_null(new_variance)});
  return {std::move(y).freeze(), std::move(mean).freeze(), std::move(variance).freeze(),
          freeze_or_empty(new_mean), freeze_or_empty(new_variance)};
}

Tensor batch_norm_inference(const Tensor& x, const Tensor& scale, const Tensor& offset,
                            const Tensor& mean, const Tensor& variance, double epsilon) {
  check_kernel(Family::kBatchNorm, "fused_batch_norm", x.device());
  const int64_t channels = x.shape().dim(-1);
  MutableTensor y = MutableTensor::empty(x.shape(), x.dtype(), x.device());
  kernels::cpu::batch_norm_inference(x.dtype(), rows_of(x, channels), channels, x.raw_data(),
                                     raw_or_null(scale), raw_or_null(offset), mean.raw_data(),
                                     variance.raw_data(), epsilon, y.mutable_raw_data());
  return std::move(y).freeze();
}

BatchNormGrads batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& scale,
                                   const Tensor& mean, const Tensor& variance, double epsilon,
                                   bool training, bool want_dx, bool want_dscale,
                                   bool want_doffset) {
  check_kernel(Family::kBatchNorm, "fused_batch_norm", x.device());
  const int64_t channels = x.shape().dim(-1);
  const Shape stats{channels};
  std::optional<MutableTensor> dx = maybe_empty(want_dx, x.shape(), x);
  std::optional<MutableTensor> dscale = maybe_empty(want_dscale, stats, x);
  std::optional<MutableTensor> doffset = maybe_empty(want_doffset, stats, x);
  kernels::cpu::batch_norm_backward(x.dtype(), {.rows = rows_of(x, channels),
                                                .channels = channels,
                                                .training = training,
                                                .dy = dy.raw_data(),
                                                .x = x.raw_data(),
                                                .scale = raw_or_null(scale),
                                                .mean = mean.raw_data(),
                                                .variance = variance.raw_data(),
                                                .epsilon = epsilon,
                                                .dx = raw_or_null(dx),
                                                .dscale = raw_or_null(dscale),
                                                .doffset = raw_or_null(doffset)});
  return {freeze_or_empty(dx), freeze_or_empty(dscale), freeze_or_empty(doffset)};
}

}  // namespace tandem::ops::dispatch
