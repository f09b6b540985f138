#include "tandem/ops/op_utils.h"

#include <algorithm>

#include "tandem/core/join.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::ops {

void check_defined(const char* op, const Tensor& t, const char* arg) {
  TANDEM_CHECK(t.defined(), ValueError, op, ": ", arg, " is an undefined Tensor");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a, "x");
  check_defined(op, b, "y");
  TANDEM_CHECK(a.dtype() == b.dtype(), TypeError, op, ": expected y to have dtype ",
               dtype_name(a.dtype()), " like x, received ", dtype_name(b.dtype()),
               " (Tandem does not promote dtypes; cast one input)");
}

void check_same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = *ts.begin();
  for (const Tensor* t : ts) {
    TANDEM_CHECK(t->device() == first->device(), ValueError, op,
                 ": expected all inputs on one device, received ", first->device().to_string(),
                 " and ", t->device().to_string());
  }
}

void check_floating(const char* op, const Tensor& t) {
  check_defined(op, t);
  TANDEM_CHECK(
      is_floating(t.dtype()), TypeError, op,
      ": expected a floating-point tensor (float16, bfloat16, float32, float64), received ",
      dtype_name(t.dtype()));
}

void check_dtype_in(const char* op, const Tensor& t, std::initializer_list<DType> allowed) {
  check_defined(op, t);
  for (DType d : allowed)
    if (t.dtype() == d) return;
  std::string names = join(allowed, [](DType d) { return dtype_name(d); });
  throw TypeError(
      detail::concat(op, ": expected dtype in {", names, "}, received ", dtype_name(t.dtype())));
}

void check_numeric(const char* op, const Tensor& t) {
  check_defined(op, t);
  TANDEM_CHECK(t.dtype() != DType::kString, TypeError, op,
               ": expected a numeric tensor, received dtype string");
}

int normalize_axis(const char* op, int64_t axis, int rank) {
  TANDEM_CHECK(axis >= -rank && axis < std::max(rank, 1) && (rank > 0 || axis == 0 || axis == -1),
               ValueError, op, ": axis ", axis, " is out of range for a tensor of rank ", rank,
               " (expected ", -rank, " <= axis < ", rank, ")");
  if (rank == 0) return 0;
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  int r = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(r);
  for (int i = 0; i < r; ++i) {
    int ia = a.rank() - r + i, ib = b.rank() - r + i;
    int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    TANDEM_CHECK(da == db || da == 1 || db == 1, ShapeError, op, ": incompatible shapes ",
                 a.to_list_string(), " and ", b.to_list_string(),
                 " (dimensions must be equal or 1 to broadcast)");
    out[i] = da == 1 ? db : da;
  }
  return Shape(std::move(out));
}

namespace {
// Writes out.rank() strides of `in` broadcast to `out` (0 along broadcast dimensions). No
// temporaries: every binary op computes two of these.
void write_broadcast_strides(const Shape& in, const Shape& out, int64_t* strides) {
  int offset = out.rank() - in.rank();
  for (int i = 0; i < offset; ++i) strides[i] = 0;
  int64_t stride = 1;
  for (int i = in.rank() - 1; i >= 0; --i) {
    strides[offset + i] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
}
}  // namespace

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.rank());
  write_broadcast_strides(in, out, strides.data());
  return strides;
}

kernels::BroadcastSpec make_broadcast_spec(const Shape& out, const Shape& a, const Shape& b) {
  TANDEM_CHECK(out.rank() <= kernels::kMaxDims, ValueError, "broadcasting supports at most ",
               kernels::kMaxDims, " dimensions, received rank ", out.rank());
  kernels::BroadcastSpec spec;
  spec.ndim = out.rank();
  for (int i = 0; i < out.rank(); ++i) spec.shape[i] = out[i];
  write_broadcast_strides(a, out, spec.a_stride);
  write_broadcast_strides(b, out, spec.b_stride);
  return spec;
}

Tensor scalar_like(double value, const Tensor& like) {
  return fill(Shape{}, value, like.dtype(), like.device());
}

Tensor unbroadcast(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  int extra = grad.rank() - shape.rank();
  std::vector<int64_t> axes;
  for (int i = 0; i < grad.rank(); ++i) {
    if (i < extra || (shape[i - extra] == 1 && grad.shape()[i] != 1)) axes.push_back(i);
  }
  Tensor summed = axes.empty() ? grad : reduce_sum(grad, {.axis = axes, .keepdims = true});
  return reshape(summed, shape);
}

}  // namespace tandem::ops
