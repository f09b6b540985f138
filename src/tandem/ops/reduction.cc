#include "tandem/ops/reduction.h"

#include <algorithm>

#include "kernels/cpu/reduce.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

using kernels::ReduceOp;

namespace ops {

std::vector<bool> reduced_axes(const char* op, const Tensor& x, const std::optional<std::vector<int64_t>>& axis) {
  std::vector<bool> reduced(x.rank(), !axis.has_value());
  if (axis) {
    for (int64_t a : *axis) reduced[normalize_axis(op, a, x.rank())] = true;
  }
  return reduced;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& reduced, bool keepdims) {
  std::vector<int64_t> dims;
  for (int d = 0; d < in.rank(); ++d) {
    if (!reduced[d]) dims.push_back(in[d]);
    else if (keepdims) dims.push_back(1);
  }
  return Shape(dims);
}

}  // namespace ops

namespace {

// Runs the kernel over x viewed as [outer, r, inner]; transposes first when the reduced axes are not
// one contiguous block.
Tensor reduce_raw(ReduceOp op, const Tensor& x, const std::vector<bool>& reduced) {
  int rank = x.rank();
  int first = -1, last = -1, groups = 0;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[d] || x.shape()[d] == 1) continue;
    if (last != d - 1 || first < 0) ++groups;
    if (first < 0) first = d;
    last = d;
  }
  Shape keep = ops::reduced_shape(x.shape(), reduced, true);
  Tensor out = Tensor::empty(keep, x.dtype(), x.device());
  TANDEM_CHECK(x.device().is_cpu(), ValueError, "reductions: the CUDA kernel is not built yet");
  if (groups <= 1) {
    int64_t outer = 1, r = 1, inner = 1;
    for (int d = 0; d < rank; ++d) {
      if (reduced[d]) r *= x.shape()[d];
      else if (first < 0 || d < first) outer *= x.shape()[d];
      else inner *= x.shape()[d];
    }
    kernels::cpu::reduce(op, ops::kt(x.dtype()), x.raw_data(), ops::mutable_data(out), outer, r, inner);
    return out;
  }
  std::vector<int64_t> perm;
  for (int d = 0; d < rank; ++d) if (!reduced[d]) perm.push_back(d);
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
  kernels::cpu::reduce(op, ops::kt(x.dtype()), moved.raw_data(), ops::mutable_data(out), outer, r, 1);
  return out;
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
  Tensor kept = reduce_raw(op, x, reduced);
  Tensor y = o.keepdims ? kept : reshape(stop_gradient(kept), ops::reduced_shape(x.shape(), reduced, false));
  if (!is_floating(x.dtype()) || !autodiff::should_record({x})) return y;

  Shape keep_shape = kept.shape();
  autodiff::record_operation(name, {x}, {y}, [op, x, y, keep_shape, reduced](const std::vector<Tensor>& g) -> autodiff::GradList {
    Tensor dy = reshape(g[0], keep_shape);
    switch (op) {
      case ReduceOp::kSum:
        return {broadcast_to(dy, x.shape())};
      case ReduceOp::kMean: {
        int64_t count = x.num_elements() / std::max<int64_t>(1, y.num_elements());
        return {broadcast_to(dy / static_cast<double>(std::max<int64_t>(count, 1)), x.shape())};
      }
      case ReduceOp::kMax:
      case ReduceOp::kMin: {
        // Ties share the gradient equally, as in TensorFlow.
        Tensor hit = cast(equal(x, reshape(y, keep_shape)), x.dtype());
        std::vector<int64_t> axes;
        for (size_t d = 0; d < reduced.size(); ++d) if (reduced[d]) axes.push_back(static_cast<int64_t>(d));
        Tensor count = reduce_sum(hit, {.axis = axes, .keepdims = true});
        return {hit * dy / count};
      }
      case ReduceOp::kProd: {
        // d/dx_i prod = product of the other elements, computed without dividing by zero.
        std::vector<int64_t> axes;
        for (size_t d = 0; d < reduced.size(); ++d) if (reduced[d]) axes.push_back(static_cast<int64_t>(d));
        Tensor is_zero = equal(x, ops::scalar_like(0, x));
        Tensor nonzero_prod = reduce_prod(where(is_zero, ones_like(x), x), {.axis = axes, .keepdims = true});
        Tensor zero_count = reduce_sum(cast(is_zero, x.dtype()), {.axis = axes, .keepdims = true});
        Tensor safe_x = where(is_zero, ones_like(x), x);
        Tensor no_zero = broadcast_to(nonzero_prod, x.shape()) / safe_x;
        Tensor one_zero = where(is_zero, broadcast_to(nonzero_prod, x.shape()), zeros_like(x));
        Tensor grad = where(broadcast_to(equal(zero_count, ops::scalar_like(0, x)), x.shape()), no_zero,
                            where(broadcast_to(equal(zero_count, ops::scalar_like(1, x)), x.shape()), one_zero, zeros_like(x)));
        return {grad * dy};
      }
      default:
        return {std::nullopt};
    }
  });
  return y;
}

}  // namespace

Tensor reduce_sum(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_sum", ReduceOp::kSum, x, o); }
Tensor reduce_mean(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_mean", ReduceOp::kMean, x, o); }
Tensor reduce_max(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_max", ReduceOp::kMax, x, o); }
Tensor reduce_min(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_min", ReduceOp::kMin, x, o); }
Tensor reduce_prod(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_prod", ReduceOp::kProd, x, o); }
Tensor reduce_any(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_any", ReduceOp::kAny, x, o); }
Tensor reduce_all(const Tensor& x, const ReduceOptions& o) { return reduce_op("reduce_all", ReduceOp::kAll, x, o); }

}  // namespace tandem
