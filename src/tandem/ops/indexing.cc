#include "tandem/ops/indexing.h"

#include <charconv>
#include <cstdint>
#include <memory>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

namespace {

// ---- strided slicing ----

// A subscript resolved against one input shape: per input dimension the first element, the step
// and the number of elements taken, plus the final shape (new axes inserted, indexed dims removed).
struct SliceSpec {
  Shape input_shape;
  std::vector<int64_t> begin, stride, size;
  Shape output_shape;
};

bool has_bit(int64_t mask, size_t i) { return ((mask >> i) & 1) != 0; }

int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Python slice semantics for one dimension: negative bounds count from the end, then clamp.
void resolve_range(const StridedSliceArgs& a, size_t i, int64_t dim, SliceSpec& s, int d) {
  int64_t step = a.strides[i];
  TANDEM_CHECK(step != 0, ValueError, "strided_slice: slice step cannot be zero (index entry ", i,
               ")");
  // A step longer than the dimension takes at most one element, like a step of dim + 1; clamping
  // keeps the size arithmetic below from overflowing.
  step = clamp(step, -dim - 1, dim + 1);
  auto norm = [dim](int64_t v) { return v < 0 ? v + dim : v; };
  int64_t b, e, n;
  if (step > 0) {
    b = has_bit(a.options.begin_mask, i) ? 0 : clamp(norm(a.begin[i]), 0, dim);
    e = has_bit(a.options.end_mask, i) ? dim : clamp(norm(a.end[i]), 0, dim);
    n = (e - b + step - 1) / step;
  } else {
    b = has_bit(a.options.begin_mask, i) ? dim - 1 : clamp(norm(a.begin[i]), -1, dim - 1);
    e = has_bit(a.options.end_mask, i) ? -1 : clamp(norm(a.end[i]), -1, dim - 1);
    n = (b - e - step - 1) / -step;
  }
  s.begin[d] = b;
  s.stride[d] = step;
  s.size[d] = std::max<int64_t>(n, 0);
}

void resolve_index(const StridedSliceArgs& a, size_t i, int64_t dim, SliceSpec& s, int d) {
  int64_t idx = a.begin[i];
  TANDEM_CHECK(idx >= -dim && idx < dim, ValueError, "strided_slice: index ", idx,
               " is out of bounds for dimension ", d, " with size ", dim, " (expected ", -dim,
               " <= index < ", dim, "; input shape ", s.input_shape.to_list_string(), ")");
  s.begin[d] = idx < 0 ? idx + dim : idx;
  s.stride[d] = 1;
  s.size[d] = 1;
}

SliceSpec resolve_slice(const Shape& in, const StridedSliceArgs& a) {
  size_t n = a.begin.size();
  TANDEM_CHECK(a.end.size() == n && a.strides.size() == n, ValueError,
               "strided_slice: begin, end and strides must have the same length, received ", n,
               ", ", a.end.size(), " and ", a.strides.size());
  TANDEM_CHECK(n <= 64, ValueError,
               "strided_slice: at most 64 index entries are supported, received ", n);
  int ellipsis = -1;
  int real = 0;
  for (size_t i = 0; i < n; ++i) {
    if (has_bit(a.options.ellipsis_mask, i)) {
      TANDEM_CHECK(ellipsis < 0, ValueError,
                   "strided_slice: an index can have only one ellipsis (...), found a second at "
                   "entry ",
                   i);
      ellipsis = static_cast<int>(i);
    } else if (!has_bit(a.options.new_axis_mask, i)) {
      ++real;
    }
  }
  int rank = in.rank();
  TANDEM_CHECK(real <= rank, ValueError, "strided_slice: too many indices for a tensor of rank ",
               rank, " (", real, " indices for shape ", in.to_list_string(), ")");
  SliceSpec s{in, std::vector<int64_t>(rank), std::vector<int64_t>(rank),
              std::vector<int64_t>(rank), Shape()};
  std::vector<int64_t> out;
  int d = 0;
  auto take_all = [&] {
    s.begin[d] = 0;
    s.stride[d] = 1;
    s.size[d] = in[d];
    out.push_back(in[d]);
    ++d;
  };
  for (size_t i = 0; i < n; ++i) {
    if (has_bit(a.options.ellipsis_mask, i)) {
      for (int c = 0; c < rank - real; ++c) take_all();
    } else if (has_bit(a.options.new_axis_mask, i)) {
      out.push_back(1);
    } else if (has_bit(a.options.shrink_axis_mask, i)) {
      resolve_index(a, i, in[d], s, d);
      ++d;
    } else {
      resolve_range(a, i, in[d], s, d);
      out.push_back(s.size[d]);
      ++d;
    }
  }
  while (d < rank) take_all();  // no ellipsis: the trailing dimensions are taken whole
  s.output_shape = Shape(out);
  return s;
}

Tensor apply_slice(const Tensor& x, const SliceSpec& s);

// Scatters dy into zeros of the input shape: the adjoint of apply_slice.
Tensor apply_slice_grad(const Tensor& dy, const SliceSpec& s) {
  std::vector<std::vector<int64_t>> maps(s.size.size());
  std::vector<const int64_t*> map_ptrs;
  for (size_t d = 0; d < maps.size(); ++d) {
    for (int64_t j = 0; j < s.size[d]; ++j) maps[d].push_back(s.begin[d] + j * s.stride[d]);
    map_ptrs.push_back(maps[d].data());
  }
  // The maps address dy in the input's rank (s.size), whatever axes the slice added or removed.
  Tensor dx = ops::dispatch::scatter_add_by_maps("strided_slice_grad", dy, Shape(s.size),
                                                 s.input_shape, map_ptrs.data());
  if (autodiff::should_record({dy})) {
    autodiff::record_operation(
        "strided_slice_grad", {dy}, {dx},
        [s](const std::vector<Tensor>& g) -> autodiff::GradList { return {apply_slice(g[0], s)}; });
  }
  return dx;
}

// Element offset of the selection when it is one contiguous block of x, else -1.
int64_t contiguous_offset(const SliceSpec& s) {
  const Shape& in = s.input_shape;
  int k = in.rank() - 1;
  while (k >= 0 && s.begin[k] == 0 && s.stride[k] == 1 && s.size[k] == in[k]) --k;
  if (k >= 0 && s.stride[k] != 1 && s.size[k] != 1) return -1;
  for (int d = 0; d < k; ++d) {
    if (s.size[d] != 1) return -1;
  }
  std::vector<int64_t> strides = in.strides();
  int64_t offset = 0;
  for (int d = 0; d <= k; ++d) offset += s.begin[d] * strides[d];
  return offset;
}

Tensor materialize_slice(const Tensor& x, const SliceSpec& s) {
  MutableTensor y = ops::dispatch::allocate(ops::dispatch::Family::kGather, "strided_slice",
                                            Shape(s.size), x.dtype(), x.device());
  std::vector<std::vector<int64_t>> maps(s.size.size());
  std::vector<const int64_t*> map_ptrs;
  for (size_t d = 0; d < maps.size(); ++d) {
    for (int64_t j = 0; j < s.size[d]; ++j) maps[d].push_back(s.begin[d] + j * s.stride[d]);
    map_ptrs.push_back(maps[d].data());
  }
  // Gathered in the input's rank (s.size); the result takes the output shape as a view.
  Tensor full = ops::dispatch::gather_by_maps(x, map_ptrs.data(), nullptr, std::move(y));
  return Tensor::from_storage(full.storage(), full.storage_offset(), s.output_shape, x.dtype());
}

Tensor apply_slice(const Tensor& x, const SliceSpec& s) {
  Tensor y;
  int64_t offset = s.output_shape.num_elements() == 0 ? -1 : contiguous_offset(s);
  if (offset >= 0) {
    // One contiguous block: a view sharing x's storage, like reshape.
    y = Tensor::from_storage(
        x.storage(), x.storage_offset() + static_cast<size_t>(offset) * dtype_size(x.dtype()),
        s.output_shape, x.dtype());
  } else {
    y = materialize_slice(x, s);
  }
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation("strided_slice", {x}, {y},
                               [s](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {apply_slice_grad(g[0], s)};
                               });
  }
  return y;
}

// ---- subscript parsing ----

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n");
  return s.substr(b, e - b + 1);
}

[[noreturn]] void bad_index(const std::string& part, const std::string& spec) {
  throw ValueError(
      detail::concat("Tensor::operator[]: cannot parse '", part, "' in index '", spec,
                     "' (expected an integer, a slice start:stop:step, '...', or tf.newaxis)"));
}

int64_t parse_int(const std::string& text, const std::string& spec) {
  std::string t = text;
  if (!t.empty() && t[0] == '+') t = t.substr(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) bad_index(text, spec);
  return v;
}

std::optional<int64_t> parse_bound(const std::string& text, const std::string& spec) {
  std::string t = trim(text);
  if (t.empty() || t == "None") return std::nullopt;
  return parse_int(t, spec);
}

std::vector<std::string> split_on(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

TensorIndex parse_entry(const std::string& raw, const std::string& spec) {
  std::string part = trim(raw);
  if (part == "...") return ellipsis;
  if (part == "tf.newaxis" || part == "newaxis" || part == "None" || part == "np.newaxis") {
    return newaxis;
  }
  if (part.find(':') == std::string::npos) {
    if (part.empty()) bad_index(raw, spec);
    return parse_int(part, spec);
  }
  std::vector<std::string> bounds = split_on(part, ':');
  if (bounds.size() > 3) bad_index(part, spec);
  bounds.resize(3);
  return Slice(parse_bound(bounds[0], spec), parse_bound(bounds[1], spec),
               parse_bound(bounds[2], spec));
}

// ---- index validation and gather/scatter plumbing ----

// Host copy of an int32/int64 index tensor as int64.
std::vector<int64_t> index_values(const char* op, const Tensor& indices) {
  ops::check_defined(op, indices, "indices");
  TANDEM_CHECK(indices.dtype() == DType::kInt32 || indices.dtype() == DType::kInt64, TypeError, op,
               ": expected indices of dtype int32 or int64, received ",
               dtype_name(indices.dtype()));
  if (indices.num_elements() == 0) return {};
  return indices.to_vector<int64_t>();
}

int64_t product(const std::vector<int64_t>& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= dims[i];
  return p;
}

std::vector<int64_t> slice_dims(const std::vector<int64_t>& dims, size_t from, size_t to) {
  return {dims.begin() + static_cast<std::ptrdiff_t>(from),
          dims.begin() + static_cast<std::ptrdiff_t>(to)};
}

std::vector<int64_t> join(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Validated int64 positions along the gathered axis ([batch, num_indices] flattened).
using Positions = std::shared_ptr<const std::vector<int64_t>>;

Tensor scatter_add_into(const Tensor& updates, const Positions& pos,
                        const kernels::GatherGeometry& g, const Shape& out_shape);

// The gathered view of `params` (its gradient scatters back).
Tensor gather_rows(const Tensor& params, const Positions& pos, const kernels::GatherGeometry& g,
                   const Shape& out_shape) {
  Tensor y = ops::dispatch::gather("gather", params, pos->data(), g, out_shape);
  if (is_floating(params.dtype()) && autodiff::should_record({params})) {
    Shape params_shape = params.shape();
    autodiff::record_operation(
        "gather", {params}, {y},
        [pos, g, params_shape](const std::vector<Tensor>& grads) -> autodiff::GradList {
          return {scatter_add_into(grads[0], pos, g, params_shape)};
        });
  }
  return y;
}

// zeros(out_shape) with `updates` added at the positions (the adjoint of gather_rows).
Tensor scatter_add_into(const Tensor& updates, const Positions& pos,
                        const kernels::GatherGeometry& g, const Shape& out_shape) {
  Tensor y = ops::dispatch::scatter_add("scatter_nd", updates, pos->data(), g, out_shape);
  if (is_floating(updates.dtype()) && autodiff::should_record({updates})) {
    Shape updates_shape = updates.shape();
    autodiff::record_operation(
        "scatter_nd", {updates}, {y},
        [pos, g, updates_shape](const std::vector<Tensor>& grads) -> autodiff::GradList {
          return {gather_rows(grads[0], pos, g, updates_shape)};
        });
  }
  return y;
}

std::string tuple_string(const int64_t* t, int64_t k) {
  std::string s = "[";
  for (int64_t j = 0; j < k; ++j) {
    if (j > 0) s += ", ";
    s += std::to_string(t[j]);
  }
  return s + "]";
}

// Linearises the [..., k] index tuples of `indices` over dims[0:k] of `target` (a shape the
// caller names in errors), after `batch_dims` leading batch dimensions.
struct NdIndex {
  Positions positions;
  kernels::GatherGeometry geometry;
  std::vector<int64_t> index_dims;  // indices.shape[:-1]
  std::vector<int64_t> slice_dims;  // target.shape[batch_dims + k:]
};

NdIndex linearize_nd(const char* op, const Tensor& indices, const Shape& target, int batch_dims,
                     const char* target_name) {
  std::vector<int64_t> values = index_values(op, indices);
  int q = indices.rank();
  TANDEM_CHECK(q >= 1, ValueError, op,
               ": indices must have rank >= 1 (index tuples in the last dimension), received a "
               "scalar");
  const std::vector<int64_t> idims = indices.shape().as_list();
  const std::vector<int64_t> tdims = target.as_list();
  int64_t k = idims[q - 1];
  TANDEM_CHECK(batch_dims + k <= target.rank(), ValueError, op, ": index tuples of length ", k,
               " do not fit ", target_name, " shape ", target.to_list_string(),
               batch_dims ? " after the batch dimensions" : "", " (expected at most ",
               target.rank() - batch_dims, ")");
  NdIndex r;
  r.index_dims = slice_dims(idims, 0, q - 1);
  r.slice_dims = slice_dims(tdims, batch_dims + k, tdims.size());
  kernels::GatherGeometry& g = r.geometry;
  g.batch = product(idims, 0, batch_dims);
  g.axis_size = product(tdims, batch_dims, batch_dims + k);
  g.num_indices = product(idims, batch_dims, q - 1);
  g.inner = product(tdims, batch_dims + k, tdims.size());
  int64_t tuples = g.batch * g.num_indices;
  auto pos = std::make_shared<std::vector<int64_t>>(static_cast<size_t>(tuples));
  for (int64_t t = 0; t < tuples; ++t) {
    const int64_t* tuple = values.data() + t * k;
    int64_t linear = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t dim = tdims[batch_dims + j];
      TANDEM_CHECK(tuple[j] >= 0 && tuple[j] < dim, ValueError, op, ": index ",
                   tuple_string(tuple, k), " at indices position ", t, " is out of range for ",
                   target_name, " shape ", target.to_list_string(), " (expected 0 <= index[", j,
                   "] < ", dim, ")");
      linear = linear * dim + tuple[j];
    }
    (*pos)[t] = linear;
  }
  r.positions = pos;
  return r;
}

void check_updates_shape(const char* op, const Tensor& updates, const NdIndex& nd,
                         const Shape& target) {
  Shape expected(join(nd.index_dims, nd.slice_dims));
  TANDEM_CHECK(updates.shape() == expected, ShapeError, op, ": expected updates of shape ",
               expected.to_list_string(), " (indices.shape[:-1] + shape[k:] for shape ",
               target.to_list_string(), "), received ", updates.shape().to_list_string());
}

}  // namespace

// ---- slicing ----

Tensor strided_slice(const Tensor& x, const std::vector<int64_t>& begin,
                     const std::vector<int64_t>& end, const std::vector<int64_t>& strides,
                     const StridedSliceOptions& options) {
  ops::check_defined("strided_slice", x);
  StridedSliceArgs args{begin, end,
                        strides.empty() ? std::vector<int64_t>(begin.size(), 1) : strides, options};
  return apply_slice(x, resolve_slice(x.shape(), args));
}

StridedSliceArgs to_strided_slice_args(const std::vector<TensorIndex>& index) {
  TANDEM_CHECK(index.size() <= 64, ValueError,
               "strided_slice: at most 64 index entries are supported, received ", index.size());
  StridedSliceArgs a;
  for (size_t i = 0; i < index.size(); ++i) {
    const TensorIndex& e = index[i];
    int64_t bit = int64_t{1} << i;
    int64_t b = 0, en = 0, st = 1;
    if (e.is_integer()) {
      b = e.integer();
      en = b == INT64_MAX ? b : b + 1;  // unused for a shrunk dimension; kept as in TensorFlow
      a.options.shrink_axis_mask |= bit;
    } else if (e.is_slice()) {
      const Slice& s = e.slice();
      b = s.start.value_or(0);
      en = s.stop.value_or(0);
      st = s.step.value_or(1);
      if (!s.start) a.options.begin_mask |= bit;
      if (!s.stop) a.options.end_mask |= bit;
    } else if (e.is_ellipsis()) {
      a.options.ellipsis_mask |= bit;
    } else {
      a.options.new_axis_mask |= bit;
    }
    a.begin.push_back(b);
    a.end.push_back(en);
    a.strides.push_back(st);
  }
  return a;
}

std::vector<TensorIndex> parse_index(const std::string& spec) {
  TANDEM_CHECK(!trim(spec).empty(), ValueError,
               "Tensor::operator[]: empty index (use \"...\" for the whole tensor)");
  std::vector<TensorIndex> index;
  for (const std::string& part : split_on(spec, ',')) index.push_back(parse_entry(part, spec));
  return index;
}

Tensor slice(const Tensor& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& size) {
  ops::check_defined("slice", x);
  int r = x.rank();
  TANDEM_CHECK(static_cast<int>(begin.size()) == r && static_cast<int>(size.size()) == r,
               ValueError, "slice: expected begin and size of length ", r,
               " (the rank of the input), received ", begin.size(), " and ", size.size());
  SliceSpec s{x.shape(), begin, std::vector<int64_t>(r, 1), size, Shape()};
  for (int d = 0; d < r; ++d) {
    int64_t dim = x.shape()[d];
    TANDEM_CHECK(begin[d] >= 0 && begin[d] <= dim, ValueError, "slice: expected begin[", d,
                 "] in [0, ", dim, "], received ", begin[d], " (input shape ",
                 x.shape().to_list_string(), ")");
    if (size[d] == -1) s.size[d] = dim - begin[d];
    TANDEM_CHECK(s.size[d] >= 0 && begin[d] + s.size[d] <= dim, ValueError, "slice: expected size[",
                 d, "] in [0, ", dim - begin[d], "] (or -1), received ", size[d], " (input shape ",
                 x.shape().to_list_string(), ", begin[", d, "] = ", begin[d], ")");
  }
  s.output_shape = Shape(s.size);
  return apply_slice(x, s);
}

Tensor Tensor::operator[](const std::string& spec) const {
  ops::check_defined("Tensor::operator[]", *this);
  return apply_slice(*this, resolve_slice(shape(), to_strided_slice_args(parse_index(spec))));
}

Tensor Tensor::operator[](std::initializer_list<TensorIndex> index) const {
  ops::check_defined("Tensor::operator[]", *this);
  std::vector<TensorIndex> entries(index);
  return apply_slice(*this, resolve_slice(shape(), to_strided_slice_args(entries)));
}

Tensor Tensor::operator[](int64_t index) const { return (*this)[{TensorIndex(index)}]; }

// ---- gather ----

Tensor gather(const Tensor& params, const Tensor& indices, const GatherOptions& options) {
  ops::check_defined("gather", params, "params");
  std::vector<int64_t> values = index_values("gather", indices);
  int p = params.rank(), q = indices.rank();
  int64_t bd = options.batch_dims < 0 ? options.batch_dims + q : options.batch_dims;
  TANDEM_CHECK(bd >= 0 && bd <= q, ValueError, "gather: batch_dims ", options.batch_dims,
               " is out of range for indices of rank ", q, " (expected ", -q,
               " <= batch_dims <= ", q, ")");
  TANDEM_CHECK(p > 0, ValueError, "gather: params must have rank >= 1, received a scalar");
  int axis = ops::normalize_axis("gather", options.axis.value_or(bd), p);
  TANDEM_CHECK(bd <= axis, ValueError, "gather: batch_dims (", bd,
               ") must be less than or equal to axis (", axis, ")");
  const std::vector<int64_t> pd = params.shape().as_list();
  const std::vector<int64_t> id = indices.shape().as_list();
  for (int d = 0; d < bd; ++d) {
    TANDEM_CHECK(pd[d] == id[d], ShapeError, "gather: batch dimension ", d, " of params (shape ",
                 params.shape().to_list_string(), ") and indices (shape ",
                 indices.shape().to_list_string(), ") differ: ", pd[d], " vs ", id[d]);
  }
  int64_t axis_size = pd[axis];
  for (size_t i = 0; i < values.size(); ++i) {
    TANDEM_CHECK(values[i] >= 0 && values[i] < axis_size, ValueError, "gather: index ", values[i],
                 " is out of range for axis ", axis, " of size ", axis_size,
                 " (expected 0 <= index < ", axis_size, "), found at flat position ", i,
                 " of indices");
  }
  kernels::GatherGeometry g;
  g.batch = product(pd, 0, bd);
  g.outer = product(pd, bd, axis);
  g.axis_size = axis_size;
  g.num_indices = product(id, bd, id.size());
  g.inner = product(pd, axis + 1, pd.size());
  Shape out(join(join(slice_dims(pd, 0, axis), slice_dims(id, bd, id.size())),
                 slice_dims(pd, axis + 1, pd.size())));
  auto pos = std::make_shared<const std::vector<int64_t>>(std::move(values));
  return gather_rows(params, pos, g, out);
}

Tensor gather_nd(const Tensor& params, const Tensor& indices, int64_t batch_dims) {
  ops::check_defined("gather_nd", params, "params");
  ops::check_defined("gather_nd", indices, "indices");
  int q = indices.rank();
  TANDEM_CHECK(batch_dims >= 0 && batch_dims < std::max(q, 1), ValueError, "gather_nd: batch_dims ",
               batch_dims, " must be >= 0 and less than the rank of indices (", q, ")");
  for (int d = 0; d < batch_dims; ++d) {
    TANDEM_CHECK(d < params.rank() && params.shape()[d] == indices.shape()[d], ShapeError,
                 "gather_nd: batch dimension ", d, " of params (shape ",
                 params.shape().to_list_string(), ") and indices (shape ",
                 indices.shape().to_list_string(), ") differ");
  }
  NdIndex nd =
      linearize_nd("gather_nd", indices, params.shape(), static_cast<int>(batch_dims), "params");
  Shape out(join(nd.index_dims, nd.slice_dims));
  return gather_rows(params, nd.positions, nd.geometry, out);
}

Tensor boolean_mask(const Tensor& tensor, const Tensor& mask, int64_t axis) {
  ops::check_defined("boolean_mask", tensor, "tensor");
  ops::check_defined("boolean_mask", mask, "mask");
  TANDEM_CHECK(mask.dtype() == DType::kBool, TypeError,
               "boolean_mask: expected mask of dtype bool, received ", dtype_name(mask.dtype()));
  int k = mask.rank(), r = tensor.rank();
  TANDEM_CHECK(k > 0, ValueError, "boolean_mask: mask cannot be a scalar");
  int64_t ax64 = axis < 0 ? axis + r : axis;
  TANDEM_CHECK(ax64 >= 0 && ax64 + k <= r, ValueError, "boolean_mask: axis ", axis,
               " with a mask of rank ", k, " does not fit a tensor of rank ", r, " (expected ", -r,
               " <= axis <= ", r - k, ")");
  int ax = static_cast<int>(ax64);
  const std::vector<int64_t> td = tensor.shape().as_list();
  TANDEM_CHECK(Shape(slice_dims(td, ax, ax + k)) == mask.shape(), ShapeError,
               "boolean_mask: mask shape ", mask.shape().to_list_string(),
               " must match tensor shape ", tensor.shape().to_list_string(), " in dimensions [", ax,
               ", ", ax + k, ")");
  std::vector<bool> keep = mask.to_vector<bool>();
  std::vector<int64_t> positions;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) positions.push_back(static_cast<int64_t>(i));
  }
  std::vector<int64_t> flat = slice_dims(td, 0, ax);
  flat.push_back(mask.num_elements());
  flat = join(flat, slice_dims(td, ax + k, td.size()));
  Tensor idx = Tensor::from_vector(positions, Shape{static_cast<int64_t>(positions.size())});
  return gather(reshape(tensor, Shape(flat)), idx, {.axis = ax});
}

// ---- scatter ----

Tensor scatter_nd(const Tensor& indices, const Tensor& updates, const Shape& shape) {
  ops::check_defined("scatter_nd", updates, "updates");
  ops::check_numeric("scatter_nd", updates);
  for (int64_t d : shape.dims()) {
    TANDEM_CHECK(d >= 0, ValueError, "scatter_nd: expected a non-negative shape, received ",
                 shape.to_list_string());
  }
  NdIndex nd = linearize_nd("scatter_nd", indices, shape, 0, "output");
  check_updates_shape("scatter_nd", updates, nd, shape);
  return scatter_add_into(updates, nd.positions, nd.geometry, shape);
}

namespace {

Tensor scatter_into_copy(const char* op, const Tensor& tensor, const Tensor& indices,
                         const Tensor& updates, bool add) {
  ops::check_defined(op, tensor, "tensor");
  ops::check_defined(op, updates, "updates");
  TANDEM_CHECK(tensor.dtype() == updates.dtype(), TypeError, op, ": expected updates of dtype ",
               dtype_name(tensor.dtype()), " like tensor, received ", dtype_name(updates.dtype()));
  if (add) ops::check_numeric(op, tensor);
  NdIndex nd = linearize_nd(op, indices, tensor.shape(), 0, "tensor");
  check_updates_shape(op, updates, nd, tensor.shape());
  ops::check_same_device(op, {&tensor, &updates});
  Tensor y =
      ops::dispatch::scatter_into_copy(op, tensor, updates, nd.positions->data(), nd.geometry, add);
  if (is_floating(tensor.dtype()) && autodiff::should_record({tensor, updates})) {
    Shape updates_shape = updates.shape();
    autodiff::record_operation(
        op, {tensor, updates}, {y},
        [indices, nd, updates_shape, add](const std::vector<Tensor>& g) -> autodiff::GradList {
          const Tensor& dy = g[0];
          // Overwritten slots of `tensor` do not reach the output; added ones pass through.
          Tensor d_tensor = add ? dy
                                : tensor_scatter_nd_update(
                                      dy, indices, zeros(updates_shape, dy.dtype(), dy.device()));
          return {d_tensor, gather_rows(dy, nd.positions, nd.geometry, updates_shape)};
        });
  }
  return y;
}

}  // namespace

Tensor tensor_scatter_nd_update(const Tensor& tensor, const Tensor& indices,
                                const Tensor& updates) {
  return scatter_into_copy("tensor_scatter_nd_update", tensor, indices, updates, /*add=*/false);
}

Tensor tensor_scatter_nd_add(const Tensor& tensor, const Tensor& indices, const Tensor& updates) {
  return scatter_into_copy("tensor_scatter_nd_add", tensor, indices, updates, /*add=*/true);
}

}  // namespace tandem
