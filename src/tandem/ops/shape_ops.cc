#include "tandem/ops/shape_ops.h"

#include <algorithm>
#include <cctype>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"

namespace tandem {

namespace {
// A new handle on x's storage with another shape (fresh id, so the tape sees a new value).
Tensor view(const Tensor& x, const Shape& shape) {
  return Tensor::from_storage(x.storage(), x.storage_offset(), shape, x.dtype());
}

// "[4,-1]": a requested shape as written (to_list_string would print -1 as "?").
std::string requested_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Tensor record_view(const char* name, const Tensor& x, const Shape& shape) {
  Tensor y = view(x, shape);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation(name, {x}, {y},
                               [in_shape](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {reshape(g[0], in_shape)};
                               });
  }
  return y;
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  ops::check_defined("reshape", x);
  std::vector<int64_t> dims = shape.as_list();
  int infer = -1;
  int64_t known = 1;
  bool overflow = false;
  for (int i = 0; i < shape.rank(); ++i) {
    if (dims[i] == -1) {
      TANDEM_CHECK(infer < 0, ValueError, "reshape: only one dimension can be -1, received ",
                   requested_string(dims));
      infer = i;
    } else {
      TANDEM_CHECK(dims[i] >= 0, ValueError, "reshape: dimensions must be >= 0 or -1, received ",
                   requested_string(dims));
      overflow |= __builtin_mul_overflow(known, dims[i], &known);
    }
  }
  int64_t n = x.num_elements();
  if (infer >= 0) {
    TANDEM_CHECK(!overflow && known != 0 && n % known == 0, ValueError,
                 "reshape: cannot reshape a tensor with ", n, " elements to shape ",
                 requested_string(dims));
    dims[infer] = n / known;
  }
  Shape target(dims);
  Tensor::byte_size(target, x.dtype(), "reshape");  // ValueError naming the shape on overflow
  TANDEM_CHECK(target.num_elements() == n, ValueError, "reshape: cannot reshape a tensor with ", n,
               " elements (shape ", x.shape().to_list_string(), ") to shape ",
               shape.to_list_string(), " (", target.num_elements(), " elements)");
  return record_view("reshape", x, target);
}

Tensor expand_dims(const Tensor& x, int64_t axis) {
  ops::check_defined("expand_dims", x);
  int r = x.rank();
  TANDEM_CHECK(axis >= -r - 1 && axis <= r, ValueError, "expand_dims: axis ", axis,
               " is out of range for a tensor of rank ", r, " (expected ", -r - 1,
               " <= axis <= ", r, ")");
  std::vector<int64_t> dims = x.shape().as_list();
  dims.insert(dims.begin() + (axis < 0 ? axis + r + 1 : axis), 1);
  return record_view("expand_dims", x, Shape(dims));
}

Tensor squeeze(const Tensor& x, const std::vector<int64_t>& axis) {
  ops::check_defined("squeeze", x);
  std::vector<bool> drop(x.rank(), false);
  if (axis.empty()) {
    for (int d = 0; d < x.rank(); ++d) drop[d] = x.shape()[d] == 1;
  } else {
    for (int64_t a : axis) {
      int d = ops::normalize_axis("squeeze", a, x.rank());
      TANDEM_CHECK(x.shape()[d] == 1, ValueError, "squeeze: cannot squeeze axis ", a, " of size ",
                   x.shape()[d], " (shape ", x.shape().to_list_string(), "); expected size 1");
      drop[d] = true;
    }
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d)
    if (!drop[d]) dims.push_back(x.shape()[d]);
  return record_view("squeeze", x, Shape(dims));
}

Tensor transpose(const Tensor& x, const std::optional<std::vector<int64_t>>& perm_opt) {
  ops::check_defined("transpose", x);
  int r = x.rank();
  std::vector<int> perm(r);
  if (perm_opt) {
    TANDEM_CHECK(static_cast<int>(perm_opt->size()) == r, ValueError, "transpose: perm has ",
                 perm_opt->size(), " entries for a tensor of rank ", r);
    std::vector<bool> seen(r, false);
    for (int i = 0; i < r; ++i) {
      int p = ops::normalize_axis("transpose", (*perm_opt)[i], r);
      TANDEM_CHECK(!seen[p], ValueError, "transpose: perm must be a permutation of 0..", r - 1,
                   ", dimension ", p, " appears twice");
      seen[p] = true;
      perm[i] = p;
    }
  } else {
    for (int i = 0; i < r; ++i) perm[i] = r - 1 - i;
  }
  Tensor y = ops::dispatch::transpose(x, perm);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    std::vector<int64_t> inverse(r);
    for (int i = 0; i < r; ++i) inverse[perm[i]] = i;
    autodiff::record_operation("transpose", {x}, {y},
                               [inverse](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {transpose(g[0], inverse)};
                               });
  }
  return y;
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  ops::check_numeric("broadcast_to", x);
  Shape out = ops::broadcast_shapes("broadcast_to", x.shape(), shape);
  TANDEM_CHECK(out == shape, ShapeError, "broadcast_to: cannot broadcast shape ",
               x.shape().to_list_string(), " to ", shape.to_list_string());
  if (x.shape() == shape) return x;
  Tensor y = ops::dispatch::broadcast(x, shape);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation("broadcast_to", {x}, {y},
                               [in_shape](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {ops::unbroadcast(g[0], in_shape)};
                               });
  }
  return y;
}

Tensor concat(const std::vector<Tensor>& values, int64_t axis) {
  TANDEM_CHECK(!values.empty(), ValueError, "concat: expected at least one tensor, received none");
  const Tensor& first = values[0];
  ops::check_defined("concat", first);
  int r = first.rank();
  TANDEM_CHECK(r > 0, ValueError, "concat: cannot concatenate scalars (rank 0); use stack");
  int ax = ops::normalize_axis("concat", axis, r);
  int64_t total = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const Tensor& v = values[i];
    ops::check_same_dtype("concat", first, v);
    ops::check_same_device("concat", {&first, &v});
    TANDEM_CHECK(v.rank() == r, ShapeError, "concat: expected every input to have rank ", r,
                 ", input ", i, " has shape ", v.shape().to_list_string());
    for (int d = 0; d < r; ++d) {
      TANDEM_CHECK(d == ax || v.shape()[d] == first.shape()[d], ShapeError, "concat: dimension ", d,
                   " of input ", i, " is ", v.shape()[d], ", expected ", first.shape()[d],
                   " (shapes ", first.shape().to_list_string(), " and ", v.shape().to_list_string(),
                   ")");
    }
    TANDEM_CHECK(!__builtin_add_overflow(total, v.shape()[ax], &total), ValueError,
                 "concat: the inputs' sizes along axis ", ax, " add up to more than fit in int64 (",
                 "input ", i, " has shape ", v.shape().to_list_string(), ")");
  }
  std::vector<int64_t> dims = first.shape().as_list();
  dims[ax] = total;
  Tensor y = ops::dispatch::concat(values, ax, Shape(dims));
  if (is_floating(first.dtype()) && autodiff::should_record(values)) {
    std::vector<int64_t> sizes;
    for (const Tensor& v : values) sizes.push_back(v.shape()[ax]);
    autodiff::record_operation("concat", values, {y}, [sizes, ax](const std::vector<Tensor>& g) {
      std::vector<Tensor> parts = split(g[0], sizes, ax);
      return autodiff::GradList(parts.begin(), parts.end());
    });
  }
  return y;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis) {
  ops::check_defined("split", x);
  TANDEM_CHECK(x.rank() > 0, ValueError, "split: cannot split a scalar");
  int ax = ops::normalize_axis("split", axis, x.rank());
  int64_t dim = x.shape()[ax];
  std::vector<int64_t> sz = sizes;
  int64_t known = 0;
  int infer = -1;
  for (size_t i = 0; i < sz.size(); ++i) {
    if (sz[i] == -1) {
      TANDEM_CHECK(infer < 0, ValueError, "split: only one size can be -1");
      infer = static_cast<int>(i);
    } else {
      TANDEM_CHECK(sz[i] >= 0, ValueError, "split: sizes must be >= 0, received ", sz[i]);
      known += sz[i];
    }
  }
  if (infer >= 0) sz[infer] = dim - known;
  int64_t total = 0;
  for (int64_t v : sz) total += v;
  TANDEM_CHECK(total == dim && (infer < 0 || sz[infer] >= 0), ValueError, "split: sizes add up to ",
               total, " but axis ", ax, " has size ", dim, " (shape ", x.shape().to_list_string(),
               ")");
  std::vector<Tensor> outs = ops::dispatch::split(x, ax, sz);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation(
        "split", {x}, outs,
        [ax](const std::vector<Tensor>& g) -> autodiff::GradList { return {concat(g, ax)}; });
  }
  return outs;
}

std::vector<Tensor> split(const Tensor& x, int64_t num_splits, int64_t axis) {
  ops::check_defined("split", x);
  TANDEM_CHECK(num_splits > 0, ValueError, "split: expected num_splits > 0, received ", num_splits);
  int ax = ops::normalize_axis("split", axis, x.rank());
  int64_t dim = x.shape()[ax];
  TANDEM_CHECK(dim % num_splits == 0, ValueError, "split: axis ", ax, " of size ", dim,
               " is not divisible into ", num_splits, " equal parts");
  return split(x, std::vector<int64_t>(static_cast<size_t>(num_splits), dim / num_splits), ax);
}

std::vector<Tensor> unstack(const Tensor& x, int64_t axis) {
  ops::check_defined("unstack", x);
  int ax = ops::normalize_axis("unstack", axis, x.rank());
  std::vector<Tensor> parts =
      split(x, std::vector<int64_t>(static_cast<size_t>(x.shape()[ax]), 1), ax);
  for (Tensor& p : parts) p = squeeze(p, {ax});
  return parts;
}

Tensor stack(const std::vector<Tensor>& values, int64_t axis) {
  TANDEM_CHECK(!values.empty(), ValueError, "stack: expected at least one tensor, received none");
  int r = values[0].rank();
  TANDEM_CHECK(axis >= -r - 1 && axis <= r, ValueError, "stack: axis ", axis,
               " is out of range for inputs of rank ", r);
  for (size_t i = 0; i < values.size(); ++i) {
    ops::check_defined("stack", values[i]);
    TANDEM_CHECK(values[i].shape() == values[0].shape(), ShapeError,
                 "stack: expected every input to have shape ", values[0].shape().to_list_string(),
                 ", input ", i, " has shape ", values[i].shape().to_list_string());
  }
  std::vector<Tensor> expanded;
  for (const Tensor& v : values) expanded.push_back(expand_dims(v, axis));
  return concat(expanded, axis < 0 ? axis + r + 1 : axis);
}

// ---- tile, pad, reverse: copies through per-dimension index maps ----

namespace {

using IndexMaps = std::vector<std::vector<int64_t>>;

std::vector<const int64_t*> map_pointers(const IndexMaps& maps) {
  std::vector<const int64_t*> ptrs;
  for (const auto& m : maps) ptrs.push_back(m.data());
  return ptrs;
}

// The output of a copy through index maps, allocated before its maps are built: an oversized
// request then fails as ValueError (overflow) or ResourceExhaustedError naming the op and shape,
// not as a bad_alloc from a map.
MutableTensor mapped_output(const char* op, const Tensor& x, const std::vector<int64_t>& dims) {
  return ops::dispatch::allocate(ops::dispatch::Family::kGather, op, Shape(dims), x.dtype(),
                                 x.device());
}

// y[j...] = x[maps[0][j_0], ...], or *fill where a map holds -1; y comes from mapped_output.
Tensor gather_with_maps(const Tensor& x, const IndexMaps& maps, const void* fill,
                        MutableTensor&& y) {
  return ops::dispatch::gather_by_maps(x, map_pointers(maps).data(), fill, std::move(y));
}

// zeros(in_shape) with every dy element added at the source its maps name: the adjoint.
Tensor scatter_add_with_maps(const char* op, const Tensor& dy, const Shape& in_shape,
                             const IndexMaps& maps) {
  return ops::dispatch::scatter_add_by_maps(op, dy, dy.shape(), in_shape,
                                            map_pointers(maps).data());
}

}  // namespace

Tensor tile(const Tensor& x, const std::vector<int64_t>& multiples) {
  ops::check_defined("tile", x);
  int r = x.rank();
  TANDEM_CHECK(static_cast<int>(multiples.size()) == r, ValueError,
               "tile: expected multiples of length ", r, " (the rank of the input, shape ",
               x.shape().to_list_string(), "), received length ", multiples.size());
  std::vector<int64_t> out(r);
  for (int d = 0; d < r; ++d) {
    int64_t n = x.shape()[d], m = multiples[d];
    TANDEM_CHECK(m >= 0, ValueError, "tile: expected multiples >= 0, received ", m,
                 " for dimension ", d);
    TANDEM_CHECK(!__builtin_mul_overflow(n, m, &out[d]), ValueError, "tile: dimension ", d,
                 " of shape ", x.shape().to_list_string(), " times multiple ", m,
                 " overflows int64");
  }
  MutableTensor buffer = mapped_output("tile", x, out);
  IndexMaps maps(r);
  for (int d = 0; d < r; ++d) {
    int64_t n = x.shape()[d];
    maps[d].reserve(static_cast<size_t>(out[d]));
    for (int64_t j = 0; j < out[d]; ++j) maps[d].push_back(j % n);
  }
  Tensor y = gather_with_maps(x, maps, nullptr, std::move(buffer));
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation(
        "tile", {x}, {y},
        [in_shape, multiples](const std::vector<Tensor>& g) -> autodiff::GradList {
          // dy viewed as [m0, n0, m1, n1, ...]: summing the m axes adds the tiles up.
          std::vector<int64_t> split_dims, tile_axes;
          for (int d = 0; d < in_shape.rank(); ++d) {
            tile_axes.push_back(2 * d);
            split_dims.push_back(multiples[d]);
            split_dims.push_back(in_shape[d]);
          }
          return {reduce_sum(reshape(g[0], Shape(split_dims)), {.axis = tile_axes})};
        });
  }
  return y;
}

Tensor reverse(const Tensor& x, const std::vector<int64_t>& axis) {
  ops::check_defined("reverse", x);
  int r = x.rank();
  TANDEM_CHECK(r > 0 || axis.empty(), ValueError, "reverse: a scalar has no axis to reverse");
  std::vector<bool> flip(r, false);
  for (int64_t a : axis) {
    int d = ops::normalize_axis("reverse", a, r);
    TANDEM_CHECK(!flip[d], ValueError, "reverse: axis ", a, " (dimension ", d,
                 ") is specified more than once");
    flip[d] = true;
  }
  IndexMaps maps(r);
  for (int d = 0; d < r; ++d) {
    int64_t n = x.shape()[d];
    for (int64_t j = 0; j < n; ++j) maps[d].push_back(flip[d] ? n - 1 - j : j);
  }
  Tensor y = gather_with_maps(x, maps, nullptr, mapped_output("reverse", x, x.shape().as_list()));
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation("reverse", {x}, {y},
                               [axis](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {reverse(g[0], axis)};
                               });
  }
  return y;
}

namespace {

enum class PadMode { kConstant, kReflect, kSymmetric };

PadMode parse_pad_mode(const std::string& mode) {
  std::string m = mode;
  for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (m == "CONSTANT") return PadMode::kConstant;
  if (m == "REFLECT") return PadMode::kReflect;
  if (m == "SYMMETRIC") return PadMode::kSymmetric;
  throw ValueError(
      detail::concat("pad: expected mode CONSTANT, REFLECT or SYMMETRIC, received '", mode, "'"));
}

// Source index of padded position j in a dimension of size n with `before` leading pads.
int64_t pad_source(PadMode mode, int64_t j, int64_t before, int64_t n) {
  int64_t i = j - before;
  switch (mode) {
    case PadMode::kConstant:
      return i >= 0 && i < n ? i : -1;
    case PadMode::kReflect:
      return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
    case PadMode::kSymmetric:
      return i < 0 ? -i - 1 : (i >= n ? 2 * n - 1 - i : i);
  }
  return -1;
}

void check_paddings(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
                    PadMode mode) {
  int r = x.rank();
  TANDEM_CHECK(static_cast<int>(paddings.size()) == r, ValueError, "pad: expected ", r,
               " [before, after] pairs (one per dimension of shape ", x.shape().to_list_string(),
               "), received ", paddings.size());
  for (int d = 0; d < r; ++d) {
    auto [before, after] = paddings[d];
    int64_t n = x.shape()[d];
    TANDEM_CHECK(before >= 0 && after >= 0, ValueError,
                 "pad: expected non-negative paddings, received [", before, ", ", after,
                 "] for dimension ", d);
    int64_t size = 0;
    TANDEM_CHECK(
        !__builtin_add_overflow(n, before, &size) && !__builtin_add_overflow(size, after, &size),
        ValueError, "pad: dimension ", d, " of shape ", x.shape().to_list_string(), " padded by [",
        before, ", ", after, "] overflows int64");
    TANDEM_CHECK(mode != PadMode::kReflect || (before < n && after < n), ValueError,
                 "pad: REFLECT paddings must be less than the dimension size, received [", before,
                 ", ", after, "] for dimension ", d, " of size ", n);
    TANDEM_CHECK(mode != PadMode::kSymmetric || (before <= n && after <= n), ValueError,
                 "pad: SYMMETRIC paddings must be at most the dimension size, received [", before,
                 ", ", after, "] for dimension ", d, " of size ", n);
  }
}

IndexMaps pad_maps(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
                   PadMode mode) {
  IndexMaps maps(x.rank());
  for (int d = 0; d < x.rank(); ++d) {
    auto [before, after] = paddings[d];
    int64_t n = x.shape()[d];
    for (int64_t j = 0; j < before + n + after; ++j)
      maps[d].push_back(pad_source(mode, j, before, n));
  }
  return maps;
}

Tensor pad_with(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
                const PadOptions& options, PadMode mode);

// Gradient of mirror padding: each padded element flows back to the element it copies. Linear,
// so its own gradient pads again.
Tensor mirror_pad_grad(const Tensor& dy, const Shape& in_shape,
                       const std::vector<std::pair<int64_t, int64_t>>& paddings, PadMode mode,
                       const IndexMaps& maps) {
  Tensor dx = scatter_add_with_maps("pad", dy, in_shape, maps);
  if (autodiff::should_record({dy})) {
    autodiff::record_operation(
        "mirror_pad_grad", {dy}, {dx},
        [paddings, mode](const std::vector<Tensor>& g) -> autodiff::GradList {
          return {pad_with(g[0], paddings, {}, mode)};
        });
  }
  return dx;
}

Tensor pad_with(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
                const PadOptions& options, PadMode mode) {
  check_paddings(x, paddings, mode);
  std::vector<int64_t> out;
  for (int d = 0; d < x.rank(); ++d)
    out.push_back(x.shape()[d] + paddings[d].first + paddings[d].second);
  MutableTensor buffer = mapped_output("pad", x, out);
  IndexMaps maps = pad_maps(x, paddings, mode);
  static const std::string kEmptyString;
  Tensor fill_value;
  const void* fill = &kEmptyString;
  if (x.dtype() != DType::kString) {
    fill_value = ops::scalar_like(options.constant_values, x).cpu();
    fill = fill_value.raw_data();
  }
  Tensor y = gather_with_maps(x, maps, fill, std::move(buffer));
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation(
        "pad", {x}, {y},
        [in_shape, paddings, mode, maps](const std::vector<Tensor>& g) -> autodiff::GradList {
          if (mode != PadMode::kConstant)
            return {mirror_pad_grad(g[0], in_shape, paddings, mode, maps)};
          std::vector<int64_t> begin;
          for (const auto& p : paddings) begin.push_back(p.first);
          return {slice(g[0], begin, in_shape.as_list())};
        });
  }
  return y;
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           const PadOptions& options) {
  ops::check_defined("pad", x);
  return pad_with(x, paddings, options, parse_pad_mode(options.mode));
}

}  // namespace tandem
