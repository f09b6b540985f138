#include "tandem/ops/creation.h"

#include <cmath>
#include <cstring>

#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

Tensor make_literal_tensor(const Literal& value, std::optional<DType> dtype);  // core/tensor.cc

Tensor constant(const Literal& value, std::optional<DType> dtype) {
  return make_literal_tensor(value, dtype);
}

Tensor convert_to_tensor(const Tensor& t, std::optional<DType> dtype) {
  ops::check_defined("convert_to_tensor", t);
  if (!dtype || *dtype == t.dtype()) return t;
  TANDEM_CHECK(t.dtype() != DType::kString && *dtype != DType::kString, TypeError,
               "convert_to_tensor: cannot convert a ", dtype_name(t.dtype()), " tensor to ",
               dtype_name(*dtype));
  return cast(t, *dtype);
}

namespace {
// fill under the name of the op the user called (zeros, ones, fill), for error messages.
Tensor fill_as(const char* op, const Shape& shape, double value, DType dtype, Device device) {
  for (int64_t d : shape.dims())
    TANDEM_CHECK(d >= 0, ValueError, op, ": expected non-negative dimensions, received shape ",
                 shape.to_list_string());
  TANDEM_CHECK(dtype != DType::kString, TypeError, op,
               ": a numeric value cannot fill a string tensor");
  return ops::dispatch::fill(op, shape, dtype, device, value);
}
}  // namespace

Tensor fill(const Shape& shape, double value, DType dtype, Device device) {
  return fill_as("fill", shape, value, dtype, device);
}

Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return fill_as("zeros", shape, 0, dtype, device);
}
Tensor ones(const Shape& shape, DType dtype, Device device) {
  return fill_as("ones", shape, 1, dtype, device);
}

Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  ops::check_defined("zeros_like", t);
  return zeros(t.shape(), dtype.value_or(t.dtype()), t.device());
}

Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  ops::check_defined("ones_like", t);
  return ones(t.shape(), dtype.value_or(t.dtype()), t.device());
}

Tensor range(int64_t limit, DType dtype) { return range(int64_t{0}, limit, int64_t{1}, dtype); }

Tensor range(int64_t start, int64_t limit, int64_t delta, DType dtype) {
  TANDEM_CHECK(delta != 0, ValueError, "range: delta must not be 0");
  int64_t n = std::max<int64_t>(0, (limit - start + delta + (delta > 0 ? -1 : 1)) / delta);
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + i * delta;
  return cast(Tensor::from_vector(v, Shape{n}), dtype);
}

Tensor range(double start, double limit, double delta, DType dtype) {
  TANDEM_CHECK(delta != 0, ValueError, "range: delta must not be 0");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((limit - start) / delta)));
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<double>(i) * delta;
  return cast(Tensor::from_vector(v, Shape{n}), dtype);
}

Tensor linspace(double start, double stop, int64_t num, DType dtype) {
  TANDEM_CHECK(num >= 0, ValueError, "linspace: expected num >= 0, received ", num);
  ops::check_floating("linspace", zeros(Shape{0}, dtype));
  std::vector<double> v(static_cast<size_t>(num));
  for (int64_t i = 0; i < num; ++i)
    v[i] = num == 1
               ? start
               : start + (stop - start) * static_cast<double>(i) / static_cast<double>(num - 1);
  // The endpoint is stop exactly, as in TensorFlow; the formula can miss it by an ulp.
  if (num > 1) v[num - 1] = stop;
  return cast(Tensor::from_vector(v, Shape{num}), dtype);
}

Tensor eye(int64_t num_rows, std::optional<int64_t> num_columns, DType dtype) {
  int64_t cols = num_columns.value_or(num_rows);
  TANDEM_CHECK(num_rows >= 0 && cols >= 0, ValueError,
               "eye: expected non-negative sizes, received ", num_rows, " x ", cols);
  std::vector<double> v(static_cast<size_t>(num_rows * cols), 0.0);
  for (int64_t i = 0; i < std::min(num_rows, cols); ++i) v[i * cols + i] = 1.0;
  return cast(Tensor::from_vector(v, Shape{num_rows, cols}), dtype);
}

Tensor one_hot(const Tensor& indices, int64_t depth, OneHotOptions o) {
  ops::check_dtype_in("one_hot", indices, {int32, int64, uint8});
  TANDEM_CHECK(depth >= 0, ValueError, "one_hot: expected depth >= 0, received ", depth);
  int r = indices.rank();
  int axis = o.axis == -1 ? r : o.axis;
  TANDEM_CHECK(axis >= 0 && axis <= r, ValueError, "one_hot: axis ", o.axis,
               " is out of range for indices of rank ", r, " (expected -1 <= axis <= ", r, ")");
  std::vector<int64_t> dims = indices.shape().as_list();
  dims.insert(dims.begin() + axis, depth);
  Shape shape(dims);
  // The output is allocated (and its size checked) before anything else: a depth of 2^40 is a
  // ValueError or ResourceExhaustedError here, not a bad_alloc from a temporary.
  MutableTensor host =
      MutableTensor::take_unshared(fill_as("one_hot", shape, o.off_value, o.dtype, Device::cpu()));
  std::vector<int64_t> idx = indices.to_vector<int64_t>();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= indices.shape()[d];
  for (int d = axis; d < r; ++d) inner *= indices.shape()[d];
  // on_value in the output dtype, written at each hot position.
  Tensor on = fill_as("one_hot", Shape{}, o.on_value, o.dtype, Device::cpu());
  size_t item = dtype_size(o.dtype);
  auto* dst = static_cast<char*>(host.mutable_raw_data());
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t b = 0; b < inner; ++b) {
      int64_t k = idx[a * inner + b];
      if (k >= 0 && k < depth)
        std::memcpy(dst + static_cast<size_t>((a * depth + k) * inner + b) * item, on.raw_data(),
                    item);
    }
  return std::move(host).freeze().to(indices.device());
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& inputs, const std::string& indexing) {
  TANDEM_CHECK(indexing == "xy" || indexing == "ij", ValueError,
               "meshgrid: indexing must be 'xy' or 'ij', received '", indexing, "'");
  size_t n = inputs.size();
  std::vector<int64_t> dims;
  for (const Tensor& t : inputs) {
    ops::check_numeric("meshgrid", t);
    dims.push_back(t.num_elements());
  }
  bool swap = indexing == "xy" && n >= 2;
  if (swap) std::swap(dims[0], dims[1]);
  std::vector<Tensor> out;
  for (size_t i = 0; i < n; ++i) {
    std::vector<int64_t> shape(n, 1);
    size_t pos = swap && i < 2 ? 1 - i : i;
    shape[pos] = inputs[i].num_elements();
    out.push_back(broadcast_to(reshape(inputs[i], Shape(shape)), Shape(dims)));
  }
  return out;
}

}  // namespace tandem
