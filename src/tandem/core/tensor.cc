#include "tandem/core/tensor.h"

#include <cstring>
#include <functional>

#include "kernels/cpu/elementwise.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem {

namespace detail {
uint64_t next_tensor_id() {
  static std::atomic<uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace detail

namespace {

// Infers the shape of a nested literal and checks that it is rectangular.
void literal_shape(const Literal& lit, std::vector<int64_t>& dims, size_t depth) {
  if (lit.kind() != Literal::Kind::kList) {
    TANDEM_CHECK(depth == dims.size(), ValueError,
                 "constant: nested lists must be rectangular; found a scalar at depth ", depth,
                 " where the first element had depth ", dims.size());
    return;
  }
  int64_t n = static_cast<int64_t>(lit.items().size());
  if (depth == dims.size()) {
    dims.push_back(n);
  } else {
    TANDEM_CHECK(depth < dims.size() && dims[depth] == n, ValueError,
                 "constant: nested lists must be rectangular; expected ",
                 depth < dims.size() ? dims[depth] : 0, " items at depth ", depth, ", received ", n);
  }
  for (const Literal& item : lit.items()) literal_shape(item, dims, depth + 1);
  // An empty list still defines its dimension; its children cannot add more.
}

void literal_kinds(const Literal& lit, bool& any_float, bool& any_int, bool& any_bool,
                   bool& any_string) {
  switch (lit.kind()) {
    case Literal::Kind::kFloat: any_float = true; break;
    case Literal::Kind::kInt: any_int = true; break;
    case Literal::Kind::kBool: any_bool = true; break;
    case Literal::Kind::kString: any_string = true; break;
    case Literal::Kind::kList:
      for (const Literal& item : lit.items()) literal_kinds(item, any_float, any_int, any_bool, any_string);
  }
}

void literal_flatten(const Literal& lit, std::vector<const Literal*>& out) {
  if (lit.kind() == Literal::Kind::kList) {
    for (const Literal& item : lit.items()) literal_flatten(item, out);
  } else {
    out.push_back(&lit);
  }
}

}  // namespace

Tensor make_literal_tensor(const Literal& value, std::optional<DType> dtype) {
  std::vector<int64_t> dims;
  literal_shape(value, dims, 0);
  bool f = false, i = false, b = false, s = false;
  literal_kinds(value, f, i, b, s);
  TANDEM_CHECK(!(s && (f || i || b)), TypeError,
               "constant: cannot mix strings and numbers in one tensor literal");
  DType inferred = s ? DType::kString : f ? DType::kFloat32 : i ? DType::kInt32 : b ? DType::kBool
                                                                                  : DType::kFloat32;
  DType t = dtype.value_or(inferred);
  TANDEM_CHECK((t == DType::kString) == s || (!s && !f && !i && !b), TypeError,
               "constant: cannot convert a ", s ? "string" : "numeric", " literal to dtype ",
               dtype_name(t));
  if (f && !is_floating(t) && t != DType::kString) {
    // TensorFlow refuses to truncate 1.5 into an int32 constant; so do we.
    std::vector<const Literal*> flat;
    literal_flatten(value, flat);
    for (const Literal* l : flat)
      TANDEM_CHECK(l->number() == static_cast<double>(static_cast<int64_t>(l->number())), TypeError,
                   "constant: cannot convert ", l->number(), " to dtype ", dtype_name(t));
  }
  std::vector<const Literal*> flat;
  literal_flatten(value, flat);
  Shape shape{std::vector<int64_t>(dims)};
  if (t == DType::kString) {
    auto storage = Storage::allocate_strings(flat.size());
    auto* dst = static_cast<std::string*>(storage->data());
    for (size_t k = 0; k < flat.size(); ++k) dst[k] = flat[k]->text();
    return Tensor::from_storage(storage, 0, shape, t);
  }
  std::vector<double> values(flat.size());
  std::vector<int64_t> ints(flat.size());
  for (size_t k = 0; k < flat.size(); ++k) {
    values[k] = flat[k]->number();
    ints[k] = flat[k]->kind() == Literal::Kind::kFloat ? static_cast<int64_t>(flat[k]->number())
                                                       : flat[k]->integer();
  }
  Tensor host = Tensor::empty(shape, t, Device::cpu());
  void* dst = const_cast<void*>(host.raw_data());
  if (t == DType::kInt64) {
    std::memcpy(dst, ints.data(), ints.size() * sizeof(int64_t));  // exact beyond 2^53
  } else {
    convert_to_host(values.data(), DType::kFloat64, dst, t, static_cast<int64_t>(values.size()));
  }
  return host.to(default_device());
}

Tensor::Tensor(const Literal& value) : Tensor(make_literal_tensor(value, std::nullopt)) {}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  int64_t n = shape.num_elements();
  std::shared_ptr<Storage> storage;
  if (dtype == DType::kString) {
    TANDEM_CHECK(device.is_cpu(), ValueError, "string tensors live on the CPU only; requested ",
                 device.to_string());
    storage = Storage::allocate_strings(static_cast<size_t>(n));
  } else {
    storage = Storage::allocate(static_cast<size_t>(n) * dtype_size(dtype), device);
  }
  return from_storage(std::move(storage), 0, shape, dtype);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape,
                            DType dtype) {
  auto impl = std::make_shared<detail::TensorImpl>();
  impl->storage = std::move(storage);
  impl->offset = offset;
  impl->shape = shape;
  impl->dtype = dtype;
  impl->id = detail::next_tensor_id();
  return Tensor(std::move(impl));
}

const detail::TensorImpl& Tensor::impl() const {
  TANDEM_CHECK(impl_ != nullptr, ValueError, "operation on an undefined Tensor");
  return *impl_;
}

const void* Tensor::raw_data() const {
  const auto& i = impl();
  return static_cast<const char*>(i.storage->data()) + i.offset;
}

Tensor Tensor::to(Device device) const {
  if (this->device() == device) return *this;
  TANDEM_CHECK(dtype() != DType::kString, ValueError, "string tensors cannot move to ",
               device.to_string());
  Tensor out = empty(shape(), dtype(), device);
#ifdef TANDEM_HAVE_CUDA
  int dev = device.is_cuda() ? device.index() : this->device().index();
  kernels::cuda::copy(const_cast<void*>(out.raw_data()), raw_data(), nbytes(), dev);
#else
  throw ValueError("cannot copy a tensor to " + device.to_string() +
                   ": this build of Tandem has no CUDA support");
#endif
  return out;
}

void convert_to_host(const void* src, DType from, void* dst, DType to, int64_t n) {
  kernels::cpu::cast(static_cast<kernels::ScalarType>(from), static_cast<kernels::ScalarType>(to),
                     src, dst, n);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace tandem
