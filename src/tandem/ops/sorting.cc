#include "tandem/ops/sorting.h"

#include <limits>
#include <vector>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {
namespace {

void check_sortable(const char* op, const Tensor& x) {
  ops::check_numeric(op, x);
  TANDEM_CHECK(x.dtype() != DType::kBool, TypeError, op,
               ": expected a numeric tensor, received dtype bool");
  TANDEM_CHECK(x.rank() > 0, ValueError, op,
               ": expected a tensor of rank >= 1, received a scalar (rank 0)");
  TANDEM_CHECK(x.shape()[x.rank() - 1] <= std::numeric_limits<int32_t>::max(), ValueError, op,
               ": the sorted axis has ", x.shape()[x.rank() - 1],
               " elements, more than int32 indices can address");
}

// True for "DESCENDING", false for "ASCENDING".
bool parse_direction(const char* op, const std::string& direction) {
  if (direction == "ASCENDING") return false;
  if (direction == "DESCENDING") return true;
  throw ValueError(detail::concat(op, ": direction should be one of 'ASCENDING', 'DESCENDING', ",
                                  "received '", direction, "'"));
}

int64_t last_dim(const Tensor& x) { return x.shape()[x.rank() - 1]; }

// int32 [..., k]: positions of the first k elements of each last-axis row in sorted order.
Tensor argsort_last(const char* op, const Tensor& x, int64_t k, bool descending) {
  return ops::dispatch::argsort_rows(op, x, k, descending);
}

Tensor scatter_last(const Tensor& updates, const Tensor& idx, int64_t n);

// out[..., j] = x[..., idx[..., j]]; each of gather and scatter is the other's gradient.
Tensor gather_last(const Tensor& x, const Tensor& idx) {
  Tensor out = ops::dispatch::gather_rows(x, idx);
  int64_t n = last_dim(x);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation("gather_last_axis", {x}, {out},
                               [idx, n](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {scatter_last(g[0], idx, n)};
                               });
  }
  return out;
}

// zeros [..., n] with updates[..., j] added at position idx[..., j].
Tensor scatter_last(const Tensor& updates, const Tensor& idx, int64_t n) {
  Tensor out = ops::dispatch::scatter_add_rows(updates, idx, n);
  if (is_floating(updates.dtype()) && autodiff::should_record({updates})) {
    autodiff::record_operation("scatter_last_axis", {updates}, {out},
                               [idx](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {gather_last(g[0], idx)};
                               });
  }
  return out;
}

// The permutation that swaps `axis` with the last axis (its own inverse).
std::vector<int64_t> swap_with_last(int rank, int axis) {
  std::vector<int64_t> perm(rank);
  for (int d = 0; d < rank; ++d) perm[d] = d;
  std::swap(perm[axis], perm[rank - 1]);
  return perm;
}

}  // namespace

TopK top_k(const Tensor& input, int64_t k, bool /*sorted*/) {
  check_sortable("top_k", input);
  TANDEM_CHECK(k >= 0, ValueError, "top_k: expected k >= 0, received k=", k);
  TANDEM_CHECK(k <= last_dim(input), ValueError, "top_k: input must have at least k=", k,
               " columns in its last dimension, received shape ", input.shape().to_list_string());
  Tensor indices = argsort_last("top_k", input, k, /*descending=*/true);
  return {gather_last(input, indices), indices};
}

Tensor sort(const Tensor& values, int64_t axis, const std::string& direction) {
  check_sortable("sort", values);
  bool descending = parse_direction("sort", direction);
  int ax = ops::normalize_axis("sort", axis, values.rank());
  if (ax == values.rank() - 1) {
    return gather_last(values, argsort_last("sort", values, last_dim(values), descending));
  }
  std::vector<int64_t> perm = swap_with_last(values.rank(), ax);
  Tensor moved = transpose(values, perm);
  return transpose(gather_last(moved, argsort_last("sort", moved, last_dim(moved), descending)),
                   perm);
}

Tensor argsort(const Tensor& values, int64_t axis, const std::string& direction, bool /*stable*/) {
  check_sortable("argsort", values);
  bool descending = parse_direction("argsort", direction);
  int ax = ops::normalize_axis("argsort", axis, values.rank());
  if (ax == values.rank() - 1) return argsort_last("argsort", values, last_dim(values), descending);
  std::vector<int64_t> perm = swap_with_last(values.rank(), ax);
  Tensor moved = transpose(stop_gradient(values), perm);
  return transpose(argsort_last("argsort", moved, last_dim(moved), descending), perm);
}

}  // namespace tandem
