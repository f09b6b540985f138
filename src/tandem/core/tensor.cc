#include "tandem/core/tensor.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <new>
#include <sstream>

#include "kernels/cpu/elementwise.h"
#include "tandem/core/allocator.h"
#include "tandem/core/mutable_tensor.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem {

namespace detail {
// Ids are unique, not ordered: each thread takes a block of them at a time, because one shared
// counter bumped for every tensor is a cache line that pipeline threads fight over.
uint64_t next_tensor_id() {
  constexpr uint64_t kBlock = 4096;
  static std::atomic<uint64_t> counter{1};
  thread_local uint64_t next = 0, end = 0;
  if (next == end) {
    next = counter.fetch_add(kBlock, std::memory_order_relaxed);
    end = next + kBlock;
  }
  return next++;
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
                 depth < dims.size() ? dims[depth] : 0, " items at depth ", depth, ", received ",
                 n);
  }
  for (const Literal& item : lit.items()) literal_shape(item, dims, depth + 1);
  // An empty list still defines its dimension; its children cannot add more.
}

void literal_flatten(const Literal& lit, std::vector<const Literal*>& out) {
  if (lit.kind() == Literal::Kind::kList) {
    for (const Literal& item : lit.items()) literal_flatten(item, out);
  } else {
    out.push_back(&lit);
  }
}

// The dtype TensorFlow infers for a literal: floats -> float32, ints -> int32 (int64 when a value
// needs it), bools -> bool, strings -> string.
DType infer_literal_dtype(const std::vector<const Literal*>& flat) {
  bool any_float = false, any_int = false, wide_int = false, any_bool = false, any_string = false;
  for (const Literal* l : flat) {
    switch (l->kind()) {
      case Literal::Kind::kFloat:
        any_float = true;
        break;
      case Literal::Kind::kInt:
        any_int = true;
        wide_int |= l->integer() != static_cast<int32_t>(l->integer());
        break;
      case Literal::Kind::kBool:
        any_bool = true;
        break;
      default:
        any_string = true;
    }
  }
  TANDEM_CHECK(!(any_string && (any_float || any_int || any_bool)), TypeError,
               "constant: cannot mix strings and numbers in one tensor literal");
  if (any_string) return DType::kString;
  if (any_float) return DType::kFloat32;
  if (any_int) return wide_int ? DType::kInt64 : DType::kInt32;
  return any_bool ? DType::kBool : DType::kFloat32;
}

// TensorFlow refuses to truncate 1.5 into an int32 constant or wrap 300 into uint8; so do we.
void check_representable(const Literal& l, DType t) {
  if (!is_integer(t) && t != DType::kBool) return;
  double v = l.kind() == Literal::Kind::kInt ? static_cast<double>(l.integer()) : l.number();
  double lo = t == DType::kInt32 ? -2147483648.0 : t == DType::kUInt8 ? 0 : -9223372036854775808.0;
  double hi = t == DType::kUInt8   ? 255
              : t == DType::kBool  ? 9223372036854775807.0  // any integer: nonzero is true
              : t == DType::kInt32 ? 2147483647.0
                                   : 9223372036854775807.0;
  TANDEM_CHECK(v == std::floor(v) && v >= lo && v <= hi, TypeError, "constant: cannot convert ", v,
               " to dtype ", dtype_name(t));
}

}  // namespace

Tensor make_literal_tensor(const Literal& value, std::optional<DType> dtype) {
  std::vector<int64_t> dims;
  literal_shape(value, dims, 0);
  std::vector<const Literal*> flat;
  literal_flatten(value, flat);
  DType inferred = infer_literal_dtype(flat);
  DType t = dtype.value_or(inferred);
  TANDEM_CHECK(flat.empty() || (t == DType::kString) == (inferred == DType::kString), TypeError,
               "constant: cannot convert a ", inferred == DType::kString ? "string" : "numeric",
               " literal to dtype ", dtype_name(t));
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
    check_representable(*flat[k], t);
    values[k] = flat[k]->number();
    ints[k] = flat[k]->kind() == Literal::Kind::kFloat ? static_cast<int64_t>(flat[k]->number())
                                                       : flat[k]->integer();
  }
  MutableTensor host = MutableTensor::empty(shape, t, Device::cpu());
  void* dst = host.mutable_raw_data();
  if (t == DType::kInt64) {
    std::memcpy(dst, ints.data(), ints.size() * sizeof(int64_t));  // exact beyond 2^53
  } else {
    convert_to_host(values.data(), DType::kFloat64, dst, t, static_cast<int64_t>(values.size()));
  }
  return std::move(host).freeze().to(default_device());
}

Tensor::Tensor(const Literal& value) : Tensor(make_literal_tensor(value, std::nullopt)) {}

namespace {

// "4.00 TiB" for error messages.
std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(u == 0 ? 0 : 2);
  out << bytes << " " << units[u];
  return out.str();
}

std::string op_prefix(const char* op) { return op ? std::string(op) + ": " : std::string(); }

}  // namespace

int64_t Tensor::byte_size(const Shape& shape, DType dtype, const char* op) {
  int64_t n = 0;
  try {
    n = shape.num_elements();
  } catch (const ValueError& e) {
    if (!op) throw;
    throw ValueError(op_prefix(op) + (e.what() + error_prefix().size()));
  }
  int64_t bytes = 0;
  TANDEM_CHECK(!__builtin_mul_overflow(n, static_cast<int64_t>(dtype_size(dtype)), &bytes),
               ValueError, op_prefix(op), "a ", dtype_name(dtype), " tensor of shape ",
               shape.to_string(), " would take ", n, " x ", dtype_size(dtype),
               " bytes, more than fit in int64 (at most 9223372036854775807)");
  return bytes;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device, const char* op) {
  int64_t bytes = byte_size(shape, dtype, op);
  std::shared_ptr<Storage> storage;
  if (dtype == DType::kString) {
    TANDEM_CHECK(device.is_cpu(), ValueError, op_prefix(op),
                 "string tensors live on the CPU only; requested ", device.to_string());
  }
  try {
    if (dtype == DType::kString) {
      storage = Storage::allocate_strings(static_cast<size_t>(shape.num_elements()));
    } else {
      storage = Storage::allocate(static_cast<size_t>(bytes), device);
    }
  } catch (const std::bad_alloc&) {
    int64_t in_use = 0, cached = 0;
    if (device.is_cpu()) {
      AllocatorStats s = cpu_allocator::stats();
      in_use = s.bytes_in_use;
      cached = s.bytes_cached;
    } else {
#ifdef TANDEM_HAVE_CUDA
      kernels::cuda::AllocatorStats s = kernels::cuda::allocator_stats(device.index());
      in_use = static_cast<int64_t>(s.bytes_in_use);
      cached = static_cast<int64_t>(s.bytes_cached);
#endif
    }
    throw ResourceExhaustedError(detail::concat(
        op_prefix(op), "out of memory allocating ", bytes, " bytes (",
        human_bytes(static_cast<double>(bytes)), ") for a ", dtype_name(dtype), " tensor of shape ",
        shape.to_string(), " on ", device.to_string(), "; the allocator holds ", in_use, " bytes (",
        human_bytes(static_cast<double>(in_use)), ") in use and ", cached, " bytes (",
        human_bytes(static_cast<double>(cached)), ") cached"));
  }
  return from_storage(std::move(storage), 0, shape, dtype);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape,
                            DType dtype) {
  TANDEM_CHECK(storage != nullptr, ValueError, "from_storage: no storage given");
  int64_t bytes = byte_size(shape, dtype);
  TANDEM_CHECK(
      offset <= storage->bytes() && static_cast<uint64_t>(bytes) <= storage->bytes() - offset,
      ValueError, "from_storage: a ", dtype_name(dtype), " tensor of shape ", shape.to_string(),
      " needs ", bytes, " bytes at offset ", offset, ", but the storage holds ", storage->bytes(),
      " bytes");
  auto impl = std::allocate_shared<detail::TensorImpl>(cpu_allocator::ObjectAllocator<void>());
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
  MutableTensor out = MutableTensor::empty(shape(), dtype(), device);
#ifdef TANDEM_HAVE_CUDA
  int dev = device.is_cuda() ? device.index() : this->device().index();
  kernels::cuda::copy(out.mutable_raw_data(), raw_data(), nbytes(), dev);
#else
  throw ValueError("cannot copy a tensor to " + device.to_string() +
                   ": this build of Tandem has no CUDA support");
#endif
  return std::move(out).freeze();
}

void convert_to_host(const void* src, DType from, void* dst, DType to, int64_t n) {
  kernels::cpu::cast(from, to, src, dst, n);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace tandem
