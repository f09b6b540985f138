#include "tandem/ops/shape_ops.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/transpose.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"

namespace tandem {

namespace {
// A new handle on x's storage with another shape (fresh id, so the tape sees a new value).
Tensor view(const Tensor& x, const Shape& shape) {
  return Tensor::from_storage(x.storage(), x.storage_offset(), shape, x.dtype());
}

Tensor record_view(const char* name, const Tensor& x, const Shape& shape) {
  Tensor y = view(x, shape);
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation(name, {x}, {y}, [in_shape](const std::vector<Tensor>& g) -> autodiff::GradList {
      return {reshape(g[0], in_shape)};
    });
  }
  return y;
}
}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  ops::check_defined("reshape", x);
  std::vector<int64_t> dims = shape.dims();
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < shape.rank(); ++i) {
    if (dims[i] == -1) {
      TANDEM_CHECK(infer < 0, ValueError, "reshape: only one dimension can be -1, received ",
                   shape.to_list_string());
      infer = i;
    } else {
      TANDEM_CHECK(dims[i] >= 0, ValueError, "reshape: dimensions must be >= 0 or -1, received ",
                   shape.to_list_string());
      known *= dims[i];
    }
  }
  int64_t n = x.num_elements();
  if (infer >= 0) {
    TANDEM_CHECK(known != 0 && n % known == 0, ValueError, "reshape: cannot reshape a tensor with ", n,
                 " elements to shape ", shape.to_list_string());
    dims[infer] = n / known;
  }
  Shape target(dims);
  TANDEM_CHECK(target.num_elements() == n, ValueError, "reshape: cannot reshape a tensor with ", n,
               " elements (shape ", x.shape().to_list_string(), ") to shape ",
               shape.to_list_string(), " (", target.num_elements(), " elements)");
  return record_view("reshape", x, target);
}

Tensor expand_dims(const Tensor& x, int64_t axis) {
  ops::check_defined("expand_dims", x);
  int r = x.rank();
  TANDEM_CHECK(axis >= -r - 1 && axis <= r, ValueError, "expand_dims: axis ", axis,
               " is out of range for a tensor of rank ", r, " (expected ", -r - 1, " <= axis <= ", r, ")");
  std::vector<int64_t> dims = x.shape().dims();
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
      TANDEM_CHECK(x.shape()[d] == 1, ValueError, "squeeze: cannot squeeze axis ", a,
                   " of size ", x.shape()[d], " (shape ", x.shape().to_list_string(), "); expected size 1");
      drop[d] = true;
    }
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d) if (!drop[d]) dims.push_back(x.shape()[d]);
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
  std::vector<int64_t> dims(r);
  for (int i = 0; i < r; ++i) dims[i] = x.shape()[perm[i]];
  Tensor y = Tensor::empty(Shape(dims), x.dtype(), x.device());
  TANDEM_CHECK(x.device().is_cpu(), ValueError, "transpose: the CUDA kernel is not built yet");
  if (x.dtype() == DType::kString) {
    std::vector<int64_t> order(static_cast<size_t>(x.num_elements()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    std::vector<int64_t> moved(order.size());
    kernels::cpu::transpose(order.data(), moved.data(), x.shape().dims().data(), perm.data(), r, 8);
    const std::string* src = x.data<std::string>();
    std::string* dst = ops::mutable_data<std::string>(y);
    for (size_t i = 0; i < moved.size(); ++i) dst[i] = src[moved[i]];
  } else {
    kernels::cpu::transpose(x.raw_data(), ops::mutable_data(y), x.shape().dims().data(), perm.data(), r,
                            dtype_size(x.dtype()));
  }
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    std::vector<int64_t> inverse(r);
    for (int i = 0; i < r; ++i) inverse[perm[i]] = i;
    autodiff::record_operation("transpose", {x}, {y}, [inverse](const std::vector<Tensor>& g) -> autodiff::GradList {
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
  Tensor y = Tensor::empty(shape, x.dtype(), x.device());
  TANDEM_CHECK(x.device().is_cpu(), ValueError, "broadcast_to: the CUDA kernel is not built yet");
  kernels::cpu::broadcast(ops::kt(x.dtype()), x.raw_data(), ops::mutable_data(y),
                          ops::make_broadcast_spec(shape, x.shape(), x.shape()));
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    Shape in_shape = x.shape();
    autodiff::record_operation("broadcast_to", {x}, {y}, [in_shape](const std::vector<Tensor>& g) -> autodiff::GradList {
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
      TANDEM_CHECK(d == ax || v.shape()[d] == first.shape()[d], ShapeError,
                   "concat: dimension ", d, " of input ", i, " is ", v.shape()[d], ", expected ",
                   first.shape()[d], " (shapes ", first.shape().to_list_string(), " and ",
                   v.shape().to_list_string(), ")");
    }
    total += v.shape()[ax];
  }
  std::vector<int64_t> dims = first.shape().dims();
  dims[ax] = total;
  Tensor y = Tensor::empty(Shape(dims), first.dtype(), first.device());
  TANDEM_CHECK(first.device().is_cpu(), ValueError, "concat: the CUDA kernel is not built yet");
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < ax; ++d) outer *= dims[d];
  for (int d = ax + 1; d < r; ++d) inner *= dims[d];
  size_t es = dtype_size(first.dtype());
  int64_t offset = 0;
  for (const Tensor& v : values) {
    int64_t chunk = v.shape()[ax] * inner;
    for (int64_t o = 0; o < outer; ++o) {
      if (first.dtype() == DType::kString) {
        const std::string* src = v.data<std::string>() + o * chunk;
        std::string* dst = ops::mutable_data<std::string>(y) + o * total * inner + offset;
        for (int64_t k = 0; k < chunk; ++k) dst[k] = src[k];
      } else {
        std::memcpy(static_cast<char*>(ops::mutable_data(y)) + (o * total * inner + offset) * es,
                    static_cast<const char*>(v.raw_data()) + o * chunk * es, chunk * es);
      }
    }
    offset += chunk;
  }
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
  TANDEM_CHECK(total == dim && (infer < 0 || sz[infer] >= 0), ValueError,
               "split: sizes add up to ", total, " but axis ", ax, " has size ", dim, " (shape ",
               x.shape().to_list_string(), ")");
  TANDEM_CHECK(x.device().is_cpu(), ValueError, "split: the CUDA kernel is not built yet");
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < ax; ++d) outer *= x.shape()[d];
  for (int d = ax + 1; d < x.rank(); ++d) inner *= x.shape()[d];
  size_t es = dtype_size(x.dtype());
  std::vector<Tensor> outs;
  int64_t offset = 0;
  for (int64_t s : sz) {
    std::vector<int64_t> dims = x.shape().dims();
    dims[ax] = s;
    Tensor part = Tensor::empty(Shape(dims), x.dtype(), x.device());
    int64_t chunk = s * inner;
    for (int64_t o = 0; o < outer; ++o) {
      int64_t src = o * dim * inner + offset;
      if (x.dtype() == DType::kString) {
        const std::string* in = x.data<std::string>() + src;
        std::string* out = ops::mutable_data<std::string>(part) + o * chunk;
        for (int64_t k = 0; k < chunk; ++k) out[k] = in[k];
      } else {
        std::memcpy(static_cast<char*>(ops::mutable_data(part)) + o * chunk * es,
                    static_cast<const char*>(x.raw_data()) + src * es, chunk * es);
      }
    }
    outs.push_back(part);
    offset += chunk;
  }
  if (is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation("split", {x}, outs, [ax](const std::vector<Tensor>& g) -> autodiff::GradList {
      return {concat(g, ax)};
    });
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
  std::vector<Tensor> parts = split(x, std::vector<int64_t>(static_cast<size_t>(x.shape()[ax]), 1), ax);
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

}  // namespace tandem
