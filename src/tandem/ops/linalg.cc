#include "tandem/ops/linalg.h"

#include <algorithm>
#include <numeric>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {
namespace {

std::vector<int64_t> batch_dims(const Tensor& t) {
  return std::vector<int64_t>(t.shape().dims().begin(), t.shape().dims().end() - 2);
}

void check_matmul_inputs(const Tensor& a, const Tensor& b) {
  ops::check_defined("matmul", a, "a");
  ops::check_defined("matmul", b, "b");
  ops::check_same_dtype("matmul", a, b);
  ops::check_dtype_in("matmul", a, {float32, float64, float16, bfloat16, int32, int64});
  ops::check_same_device("matmul", {&a, &b});
  TANDEM_CHECK(a.rank() >= 2 && b.rank() >= 2, ValueError,
               "matmul: expected both inputs to have rank >= 2, received shapes ",
               a.shape().to_list_string(), " and ", b.shape().to_list_string(),
               " (use tensordot or multiply for vectors)");
}

// The broadcast batch shape; the error names the full shapes, not only their batch parts.
Shape matmul_batch_shape(const Tensor& a, const Tensor& b) {
  Shape ba(batch_dims(a)), bb(batch_dims(b));
  int r = std::max(ba.rank(), bb.rank());
  for (int i = 0; i < r; ++i) {
    int ia = ba.rank() - r + i, ib = bb.rank() - r + i;
    int64_t da = ia >= 0 ? ba[ia] : 1, db = ib >= 0 ? bb[ib] : 1;
    TANDEM_CHECK(da == db || da == 1 || db == 1, ShapeError, "matmul: batch dimensions of shapes ",
                 a.shape().to_list_string(), " and ", b.shape().to_list_string(),
                 " do not broadcast (", ba.to_list_string(), " vs ", bb.to_list_string(), ")");
  }
  return ops::broadcast_shapes("matmul", ba, bb);
}

// For each output batch entry, the index of the input matrix it reads (empty when they coincide).
std::vector<int64_t> batch_index(const Shape& in_batch, const Shape& out_batch) {
  if (in_batch.num_elements() == out_batch.num_elements()) return {};
  std::vector<int64_t> strides = ops::broadcast_strides(in_batch, out_batch);
  int64_t total = out_batch.num_elements();
  std::vector<int64_t> index(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) {
    int64_t rest = i, offset = 0;
    for (int d = out_batch.rank() - 1; d >= 0; --d) {
      offset += rest % out_batch[d] * strides[d];
      rest /= out_batch[d];
    }
    index[static_cast<size_t>(i)] = offset;
  }
  return index;
}

// d(a @ b) / da and / db for every transpose combination, before summing over broadcast batch
// dimensions.
Tensor matmul_grad_a(const Tensor& b, const Tensor& dy, bool ta, bool tb) {
  if (!ta) return tb ? matmul(dy, b) : matmul(dy, b, {.transpose_b = true});
  return tb ? matmul(b, dy, {.transpose_a = true, .transpose_b = true})
            : matmul(b, dy, {.transpose_b = true});
}

Tensor matmul_grad_b(const Tensor& a, const Tensor& dy, bool ta, bool tb) {
  if (!tb) return ta ? matmul(a, dy) : matmul(a, dy, {.transpose_a = true});
  return ta ? matmul(dy, a, {.transpose_a = true, .transpose_b = true})
            : matmul(dy, a, {.transpose_a = true});
}

// A batched a times a shared matrix b: b's gradient is one [k, rows] @ [rows, n] product over all
// rows, instead of a per-batch product summed afterwards.
Tensor shared_b_grad(const Tensor& a, const Tensor& dy, bool tb) {
  int64_t k = a.shape().dim(-1), n = dy.shape().dim(-1);
  Tensor a2 = reshape(a, Shape{-1, k});
  Tensor dy2 = reshape(dy, Shape{-1, n});
  return tb ? matmul(dy2, a2, {.transpose_a = true}) : matmul(a2, dy2, {.transpose_a = true});
}

void record_matmul(const Tensor& a, const Tensor& b, const Tensor& y, bool ta, bool tb) {
  autodiff::record_operation(
      "matmul", {a, b}, {y}, [a, b, ta, tb](const std::vector<Tensor>& g) -> autodiff::GradList {
        return {autodiff::gradient_if_needed(
                    0, [&] { return ops::unbroadcast(matmul_grad_a(b, g[0], ta, tb), a.shape()); }),
                autodiff::gradient_if_needed(1, [&] {
                  Tensor db = b.rank() == 2 && a.rank() > 2 && !ta ? shared_b_grad(a, g[0], tb)
                                                                   : matmul_grad_b(a, g[0], ta, tb);
                  return ops::unbroadcast(db, b.shape());
                })};
      });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, const MatmulOptions& options) {
  check_matmul_inputs(a, b);
  const bool ta = options.transpose_a, tb = options.transpose_b;
  int64_t m = ta ? a.shape().dim(-1) : a.shape().dim(-2);
  int64_t k = ta ? a.shape().dim(-2) : a.shape().dim(-1);
  int64_t kb = tb ? b.shape().dim(-1) : b.shape().dim(-2);
  int64_t n = tb ? b.shape().dim(-2) : b.shape().dim(-1);
  TANDEM_CHECK(k == kb, ShapeError, "matmul: inner dimensions do not match for shapes ",
               a.shape().to_list_string(), " and ", b.shape().to_list_string(),
               " (transpose_a=", ta ? "true" : "false", ", transpose_b=", tb ? "true" : "false",
               "): ", k, " != ", kb);
  Shape out_batch = matmul_batch_shape(a, b);
  std::vector<int64_t> dims = out_batch.as_list();
  dims.push_back(m);
  dims.push_back(n);

  std::vector<int64_t> a_index = batch_index(Shape(batch_dims(a)), out_batch);
  std::vector<int64_t> b_index = batch_index(Shape(batch_dims(b)), out_batch);
  kernels::MatmulSpec spec{.trans_a = ta,
                           .trans_b = tb,
                           .m = m,
                           .n = n,
                           .k = k,
                           .batch = out_batch.num_elements(),
                           .a_index = a_index.empty() ? nullptr : a_index.data(),
                           .b_index = b_index.empty() ? nullptr : b_index.data()};
  Tensor y = ops::dispatch::batch_matmul(a, b, spec, Shape(dims));
  if (is_floating(a.dtype()) && autodiff::should_record({a, b})) record_matmul(a, b, y, ta, tb);
  return y;
}

namespace {

std::vector<int> normalized_axes(const Tensor& t, const std::vector<int64_t>& axes,
                                 const char* which) {
  std::vector<int> out;
  std::vector<bool> seen(t.rank(), false);
  for (int64_t axis : axes) {
    int d = ops::normalize_axis("tensordot", axis, t.rank());
    TANDEM_CHECK(!seen[d], ValueError, "tensordot: axis ", axis, " of ", which,
                 " appears twice in axes");
    seen[d] = true;
    out.push_back(d);
  }
  return out;
}

// t with its free axes first and the contracted ones last (or first), flattened to a matrix.
Tensor as_matrix(const Tensor& t, const std::vector<int>& contracted, bool contracted_first,
                 std::vector<int64_t>* free_dims) {
  std::vector<int64_t> free_axes, perm;
  int64_t free_size = 1, contracted_size = 1;
  for (int d = 0; d < t.rank(); ++d) {
    if (std::find(contracted.begin(), contracted.end(), d) != contracted.end()) continue;
    free_axes.push_back(d);
    free_dims->push_back(t.shape()[d]);
    free_size *= t.shape()[d];
  }
  for (int d : contracted) contracted_size *= t.shape()[d];
  if (contracted_first) perm.insert(perm.end(), contracted.begin(), contracted.end());
  perm.insert(perm.end(), free_axes.begin(), free_axes.end());
  if (!contracted_first) perm.insert(perm.end(), contracted.begin(), contracted.end());
  std::vector<int64_t> identity(perm.size());
  std::iota(identity.begin(), identity.end(), 0);
  Tensor moved = perm == identity ? t : transpose(t, perm);
  return contracted_first ? reshape(moved, Shape{contracted_size, free_size})
                          : reshape(moved, Shape{free_size, contracted_size});
}

}  // namespace

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t axes) {
  ops::check_defined("tensordot", a, "a");
  ops::check_defined("tensordot", b, "b");
  TANDEM_CHECK(axes >= 0 && axes <= a.rank() && axes <= b.rank(), ValueError,
               "tensordot: axes must be between 0 and the smaller rank (",
               std::min(a.rank(), b.rank()), "), received ", axes, " for shapes ",
               a.shape().to_list_string(), " and ", b.shape().to_list_string());
  TensordotAxes pair;
  for (int64_t i = 0; i < axes; ++i) {
    pair.first.push_back(a.rank() - axes + i);
    pair.second.push_back(i);
  }
  return tensordot(a, b, pair);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const TensordotAxes& axes) {
  ops::check_defined("tensordot", a, "a");
  ops::check_defined("tensordot", b, "b");
  ops::check_same_dtype("tensordot", a, b);
  TANDEM_CHECK(axes.first.size() == axes.second.size(), ValueError,
               "tensordot: expected as many axes for a as for b, received ", axes.first.size(),
               " and ", axes.second.size());
  std::vector<int> ca = normalized_axes(a, axes.first, "a");
  std::vector<int> cb = normalized_axes(b, axes.second, "b");
  for (size_t i = 0; i < ca.size(); ++i) {
    TANDEM_CHECK(a.shape()[ca[i]] == b.shape()[cb[i]], ShapeError, "tensordot: axis ", ca[i],
                 " of a (size ", a.shape()[ca[i]], ") and axis ", cb[i], " of b (size ",
                 b.shape()[cb[i]], ") must have the same size; shapes ", a.shape().to_list_string(),
                 " and ", b.shape().to_list_string());
  }
  std::vector<int64_t> out_dims;
  Tensor ma = as_matrix(a, ca, /*contracted_first=*/false, &out_dims);
  Tensor mb = as_matrix(b, cb, /*contracted_first=*/true, &out_dims);
  return reshape(matmul(ma, mb), Shape(out_dims));
}

}  // namespace tandem
