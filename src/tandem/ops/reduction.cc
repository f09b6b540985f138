#include "tandem/ops/reduction.h"

#include <algorithm>
#include <cmath>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

using kernels::ArgReduceOp;
using kernels::ReduceOp;

namespace ops {

// Which axes of x `axis` names (all for std::nullopt). Like TensorFlow, a scalar has no axis to
// name and an axis may appear only once.
std::vector<bool> reduced_axes(const char* op, const Tensor& x,
                               const std::optional<std::vector<int64_t>>& axis) {
  std::vector<bool> reduced(x.rank(), !axis.has_value());
  if (!axis) return reduced;
  for (int64_t a : *axis) {
    TANDEM_CHECK(x.rank() > 0, ValueError, op, ": axis ", a,
                 " is out of range for a scalar (rank 0) tensor, which has no axes");
    int d = normalize_axis(op, a, x.rank());
    TANDEM_CHECK(!reduced[d], ValueError, op, ": axis ", d,
                 " appears more than once in the reduction axes (expected each axis once)");
    reduced[d] = true;
  }
  return reduced;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& reduced, bool keepdims) {
  std::vector<int64_t> dims;
  for (int d = 0; d < in.rank(); ++d) {
    if (!reduced[d])
      dims.push_back(in[d]);
    else if (keepdims)
      dims.push_back(1);
  }
  return Shape(dims);
}

}  // namespace ops

namespace {

std::vector<int64_t> axes_of(const std::vector<bool>& reduced) {
  std::vector<int64_t> axes;
  for (size_t d = 0; d < reduced.size(); ++d)
    if (reduced[d]) axes.push_back(static_cast<int64_t>(d));
  return axes;
}

// x viewed as [outer, r, inner] around axis `ax`.
struct AxisView {
  int64_t outer = 1, r = 1, inner = 1;
};
AxisView view_around(const Shape& s, int ax) {
  AxisView v;
  for (int d = 0; d < s.rank(); ++d) {
    if (d < ax)
      v.outer *= s[d];
    else if (d == ax)
      v.r = s[d];
    else
      v.inner *= s[d];
  }
  return v;
}

// Axis `axis` of x normalised, for ops that need a tensor of rank >= 1 (as TensorFlow's do).
int single_axis(const char* op, const Tensor& x, int64_t axis) {
  TANDEM_CHECK(x.rank() > 0, ValueError, op,
               ": expected a tensor of rank >= 1, received a scalar (rank 0)");
  return ops::normalize_axis(op, axis, x.rank());
}

// Runs the kernel over x viewed as [outer, r, inner]; transposes first when the reduced axes are
// not one contiguous block.
Tensor reduce_raw(const char* name, ReduceOp op, const Tensor& x,
                  const std::vector<bool>& reduced) {
  int rank = x.rank();
  int first = -1, last = -1, groups = 0;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[d] || x.shape()[d] == 1) continue;
    if (last != d - 1 || first < 0) ++groups;
    if (first < 0) first = d;
    last = d;
  }
  Shape keep = ops::reduced_shape(x.shape(), reduced, true);
  if (groups <= 1) {
    int64_t outer = 1, r = 1, inner = 1;
    for (int d = 0; d < rank; ++d) {
      if (reduced[d])
        r *= x.shape()[d];
      else if (first < 0 || d < first)
        outer *= x.shape()[d];
      else
        inner *= x.shape()[d];
    }
    return ops::dispatch::reduce(name, op, x, outer, r, inner, keep);
  }
  std::vector<int64_t> perm;
  for (int d = 0; d < rank; ++d)
    if (!reduced[d]) perm.push_back(d);
  int64_t outer = 1, r = 1;
  for (int d = 0; d < rank; ++d) {
    if (reduced[d]) {
      perm.push_back(d);
      r *= x.shape()[d];
    } else {
      outer *= x.shape()[d];
    }
  }
  Tensor moved = transpose(stop_gradient(x), perm);
  return ops::dispatch::reduce(name, op, moved, outer, r, 1, keep);
}

// d prod / dx_i = the product of the other elements, computed without dividing by zero: with no
// zero it is prod / x_i, with one zero only that element gets the product of the rest, with two or
// more every gradient is 0.
Tensor prod_gradient(const Tensor& x, const Tensor& dy, const std::vector<int64_t>& axes) {
  Tensor is_zero = equal(x, ops::scalar_like(0, x));
  Tensor safe_x = where(is_zero, ones_like(x), x);
  Tensor nonzero_prod =
      broadcast_to(reduce_prod(safe_x, {.axis = axes, .keepdims = true}), x.shape());
  Tensor zero_count = broadcast_to(
      reduce_sum(cast(is_zero, x.dtype()), {.axis = axes, .keepdims = true}), x.shape());
  Tensor no_zero = nonzero_prod / safe_x;
  Tensor one_zero = where(is_zero, nonzero_prod, zeros_like(x));
  Tensor grad = where(equal(zero_count, ops::scalar_like(0, x)), no_zero,
                      where(equal(zero_count, ops::scalar_like(1, x)), one_zero, zeros_like(x)));
  return grad * dy;
}

// x and y are defined only for the reductions whose gradient reads them (see reduce_op).
autodiff::GradList reduce_gradient(ReduceOp op, const Shape& x_shape, const Tensor& x,
                                   const Tensor& y, const Shape& keep_shape,
                                   const std::vector<bool>& reduced, const Tensor& g) {
  Tensor dy = reshape(g, keep_shape);
  switch (op) {
    case ReduceOp::kSum:
      return {broadcast_to(dy, x_shape)};
    case ReduceOp::kMean: {
      int64_t count = x_shape.num_elements() / std::max<int64_t>(1, keep_shape.num_elements());
      return {broadcast_to(dy / static_cast<double>(std::max<int64_t>(count, 1)), x_shape)};
    }
    case ReduceOp::kMax:
    case ReduceOp::kMin: {
      // Ties share the gradient equally, as in TensorFlow.
      Tensor hit = cast(equal(x, reshape(y, keep_shape)), x.dtype());
      Tensor count = reduce_sum(hit, {.axis = axes_of(reduced), .keepdims = true});
      return {hit * dy / count};
    }
    case ReduceOp::kProd:
      return {prod_gradient(x, dy, axes_of(reduced))};
    default:
      return {std::nullopt};
  }
}

Tensor reduce_op(const char* name, ReduceOp op, const Tensor& x, const ReduceOptions& o) {
  ops::check_numeric(name, x);
  if (op == ReduceOp::kAny || op == ReduceOp::kAll) {
    TANDEM_CHECK(x.dtype() == DType::kBool, TypeError, name, ": expected a bool tensor, received ",
                 dtype_name(x.dtype()));
  } else {
    TANDEM_CHECK(x.dtype() != DType::kBool, TypeError, name,
                 ": expected a numeric tensor, received dtype bool");
  }
  std::vector<bool> reduced = ops::reduced_axes(name, x, o.axis);
  Tensor kept = reduce_raw(name, op, x, reduced);
  Tensor y = o.keepdims
                 ? kept
                 : reshape(stop_gradient(kept), ops::reduced_shape(x.shape(), reduced, false));
  if (!is_floating(x.dtype()) || !autodiff::should_record({x})) return y;
  Shape keep_shape = kept.shape();
  // Sum and mean need only shapes; the tape keeps x (and y) only for those that read values.
  const bool reads_x = op == ReduceOp::kMax || op == ReduceOp::kMin || op == ReduceOp::kProd;
  const bool reads_y = op == ReduceOp::kMax || op == ReduceOp::kMin;
  autodiff::record_operation(
      name, {x}, {y},
      [op, x_shape = x.shape(), x = reads_x ? x : Tensor(), y = reads_y ? y : Tensor(), keep_shape,
       reduced](const std::vector<Tensor>& g) {
        return reduce_gradient(op, x_shape, x, y, keep_shape, reduced, g[0]);
      });
  return y;
}

Tensor arg_reduce(const char* name, ArgReduceOp op, const Tensor& x, int64_t axis,
                  DType output_type) {
  ops::check_numeric(name, x);
  TANDEM_CHECK(output_type == DType::kInt32 || output_type == DType::kInt64, TypeError, name,
               ": expected output_type int32 or int64, received ", dtype_name(output_type));
  int ax = single_axis(name, x, axis);
  TANDEM_CHECK(x.shape()[ax] > 0, ValueError, name, ": reduction axis ", axis,
               " is empty in shape ", x.shape().to_list_string(), " (expected size > 0)");
  std::vector<bool> reduced(x.rank(), false);
  reduced[ax] = true;
  AxisView v = view_around(x.shape(), ax);
  Tensor out = ops::dispatch::arg_reduce(name, op, x, v.outer, v.r, v.inner,
                                         ops::reduced_shape(x.shape(), reduced, false));
  return cast(out, output_type);
}

Tensor softmax_op(const char* name, const Tensor& logits, int64_t axis, bool log) {
  ops::check_floating(name, logits);
  int ax = single_axis(name, logits, axis);
  AxisView v = view_around(logits.shape(), ax);
  Tensor y = ops::dispatch::softmax(name, logits, v.outer, v.r, v.inner, log);
  if (!autodiff::should_record({logits})) return y;
  autodiff::record_operation(
      name, {logits}, {y}, [y, ax, log](const std::vector<Tensor>& g) -> autodiff::GradList {
        ReduceOptions along{.axis = std::vector<int64_t>{ax}, .keepdims = true};
        // log_softmax: dx = dy - softmax * sum(dy); softmax: dx = y * (dy - sum(dy * y)).
        if (log) return {g[0] - exp(y) * reduce_sum(g[0], along)};
        return {y * (g[0] - reduce_sum(g[0] * y, along))};
      });
  return y;
}

// ---- norm ----

enum class NormKind { kEuclidean, kFrobenius, kOne, kTwo, kInf, kP };

NormKind parse_norm_order(const NormOrder& ord) {
  if (!ord.name.empty()) {
    if (ord.name == "euclidean") return NormKind::kEuclidean;
    if (ord.name == "fro") return NormKind::kFrobenius;
    if (ord.name == "inf") return NormKind::kInf;
    throw ValueError(detail::concat("norm: ord must be 'euclidean', 'fro', 'inf' or a positive ",
                                    "number, received '", ord.name, "'"));
  }
  double p = ord.p;
  TANDEM_CHECK(p > 0, ValueError,
               "norm: ord must be 'euclidean', 'fro', 'inf' or a positive number, received ", p);
  if (std::isinf(p)) return NormKind::kInf;
  if (p == 1) return NormKind::kOne;
  if (p == 2) return NormKind::kTwo;
  return NormKind::kP;
}

std::string axis_string(const std::vector<int64_t>& axis) {
  std::string s = "[";
  for (size_t i = 0; i < axis.size(); ++i) s += (i ? ", " : "") + std::to_string(axis[i]);
  return s + "]";
}

// sqrt that is 0, with gradient 0, where its input is 0 (sqrt's own gradient there is inf).
Tensor guarded_sqrt(const Tensor& sum_sq) {
  Tensor positive = greater(sum_sq, ops::scalar_like(0, sum_sq));
  Tensor safe = where(positive, sum_sq, ones_like(sum_sq));
  return where(positive, sqrt(safe), zeros_like(sum_sq));
}

Tensor vector_norm(const Tensor& x, NormKind kind, double p,
                   const std::optional<std::vector<int64_t>>& axes) {
  ReduceOptions o{.axis = axes, .keepdims = true};
  switch (kind) {
    case NormKind::kOne:
      return reduce_sum(abs(x), o);
    case NormKind::kInf:
      return reduce_max(abs(x), o);
    case NormKind::kP: {
      Tensor sum = reduce_sum(pow(abs(x), ops::scalar_like(p, x)), o);
      Tensor positive = greater(sum, ops::scalar_like(0, sum));
      Tensor safe = where(positive, sum, ones_like(sum));
      return where(positive, pow(safe, ops::scalar_like(1.0 / p, sum)), zeros_like(sum));
    }
    default:
      return guarded_sqrt(reduce_sum(square(x), o));
  }
}

Tensor matrix_norm(const Tensor& x, NormKind kind, int64_t row_axis, int64_t col_axis) {
  switch (kind) {
    case NormKind::kOne:  // the largest column sum
      return reduce_max(
          reduce_sum(abs(x), {.axis = std::vector<int64_t>{row_axis}, .keepdims = true}),
          {.axis = std::vector<int64_t>{col_axis}, .keepdims = true});
    case NormKind::kInf:  // the largest row sum
      return reduce_max(
          reduce_sum(abs(x), {.axis = std::vector<int64_t>{col_axis}, .keepdims = true}),
          {.axis = std::vector<int64_t>{row_axis}, .keepdims = true});
    default:
      return guarded_sqrt(reduce_sum(
          square(x), {.axis = std::vector<int64_t>{row_axis, col_axis}, .keepdims = true}));
  }
}

}  // namespace

Tensor reduce_sum(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_sum", ReduceOp::kSum, x, o);
}
Tensor reduce_mean(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_mean", ReduceOp::kMean, x, o);
}
Tensor reduce_max(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_max", ReduceOp::kMax, x, o);
}
Tensor reduce_min(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_min", ReduceOp::kMin, x, o);
}
Tensor reduce_prod(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_prod", ReduceOp::kProd, x, o);
}
Tensor reduce_any(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_any", ReduceOp::kAny, x, o);
}
Tensor reduce_all(const Tensor& x, const ReduceOptions& o) {
  return reduce_op("reduce_all", ReduceOp::kAll, x, o);
}

Tensor reduce_logsumexp(const Tensor& x, const ReduceOptions& o) {
  ops::check_floating("reduce_logsumexp", x);
  ops::reduced_axes("reduce_logsumexp", x, o.axis);
  // Shift by the max so exp never overflows; an infinite max (all -inf, or a +inf) is not
  // subtracted, which keeps -inf and +inf results instead of NaN (TensorFlow's rule).
  Tensor raw_max = reduce_max(stop_gradient(x), {.axis = o.axis, .keepdims = true});
  Tensor finite = equal(raw_max - raw_max, zeros_like(raw_max));
  Tensor shift = where(finite, raw_max, zeros_like(raw_max));
  Tensor result = log(reduce_sum(exp(x - shift), o));
  return result + (o.keepdims ? shift : reshape(shift, result.shape()));
}

Tensor argmax(const Tensor& input, int64_t axis, DType output_type) {
  return arg_reduce("argmax", ArgReduceOp::kArgMax, input, axis, output_type);
}
Tensor argmin(const Tensor& input, int64_t axis, DType output_type) {
  return arg_reduce("argmin", ArgReduceOp::kArgMin, input, axis, output_type);
}

Tensor cumsum(const Tensor& x, int64_t axis, bool exclusive, bool reverse) {
  ops::check_numeric("cumsum", x);
  TANDEM_CHECK(x.dtype() != DType::kBool, TypeError,
               "cumsum: expected a numeric tensor, received dtype bool");
  int ax = single_axis("cumsum", x, axis);
  AxisView v = view_around(x.shape(), ax);
  Tensor y = ops::dispatch::cumsum(x, v.outer, v.r, v.inner, exclusive, reverse);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation("cumsum", {x}, {y},
                               [ax, exclusive, reverse](const std::vector<Tensor>& g) {
                                 return autodiff::GradList{cumsum(g[0], ax, exclusive, !reverse)};
                               });
  }
  return y;
}

Tensor softmax(const Tensor& logits, int64_t axis) {
  return softmax_op("softmax", logits, axis, false);
}
Tensor log_softmax(const Tensor& logits, int64_t axis) {
  return softmax_op("log_softmax", logits, axis, true);
}

Tensor norm(const Tensor& x, const NormOptions& o) {
  ops::check_floating("norm", x);
  NormKind kind = parse_norm_order(o.ord);
  TANDEM_CHECK(!o.axis || o.axis->size() == 1 || o.axis->size() == 2, ValueError,
               "norm: axis must be None, one integer or 2 unique integers, received ",
               axis_string(o.axis.value_or(std::vector<int64_t>{})));
  std::vector<bool> reduced = ops::reduced_axes("norm", x, o.axis);
  Tensor result;
  if (o.axis && o.axis->size() == 2) {
    TANDEM_CHECK(kind != NormKind::kP, ValueError,
                 "norm: ord must be a supported matrix norm ('euclidean', 'fro', 1, 2, inf), "
                 "received ",
                 o.ord.p);
    TANDEM_CHECK(
        kind != NormKind::kTwo, ValueError,
        "norm: ord=2 over a matrix (the largest singular value) needs an SVD, which is not "
        "implemented yet; use 'fro', 1 or inf");
    result = matrix_norm(x, kind, ops::normalize_axis("norm", (*o.axis)[0], x.rank()),
                         ops::normalize_axis("norm", (*o.axis)[1], x.rank()));
  } else {
    TANDEM_CHECK(kind != NormKind::kFrobenius, ValueError,
                 "norm: ord 'fro' is only defined for matrix norms (axis with 2 entries), received "
                 "axis ",
                 o.axis ? axis_string(*o.axis) : std::string("None"), "; use 'euclidean'");
    result = vector_norm(x, kind, o.ord.p, o.axis);
  }
  return o.keepdims ? result : reshape(result, ops::reduced_shape(x.shape(), reduced, false));
}

}  // namespace tandem
