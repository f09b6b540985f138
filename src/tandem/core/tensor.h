// Tensor: an immutable value handle over shared storage, like tf.Tensor (DESIGN section 2).
// Row-major and contiguous; reshape-like ops return views that share storage.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "tandem/core/device.h"
#include "tandem/core/dtype.h"
#include "tandem/core/error.h"
#include "tandem/core/index.h"
#include "tandem/core/literal.h"
#include "tandem/core/shape.h"
#include "tandem/core/storage.h"

namespace tandem {

class Variable;

namespace detail {
// State shared by a tensor handle and its copies. `id` identifies the value for GradientTape; a
// Variable's snapshots all carry the variable's id so gradients flow to the variable.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  size_t offset = 0;  // bytes from storage->data()
  Shape shape;
  DType dtype = DType::kFloat32;
  uint64_t id = 0;
  bool trainable_variable =
      false;  // a snapshot of a trainable Variable: tapes watch it automatically
};
uint64_t next_tensor_id();
}  // namespace detail

class Tensor {
 public:
  // An undefined handle; most operations on it throw ValueError.
  Tensor() = default;
  // A constant from a (nested) literal; see constant() for dtype rules.
  Tensor(const Literal& value);  // NOLINT: implicit so literals pass where a Tensor is expected
  Tensor(std::initializer_list<Literal> items) : Tensor(Literal(items)) {}

  // Uninitialised tensor (used by ops to allocate outputs). Throws ValueError when the shape's
  // element count or byte size overflows, ResourceExhaustedError when the memory cannot be had
  // (naming `op` when given, the shape and the bytes asked for).
  static Tensor empty(const Shape& shape, DType dtype, Device device = default_device(),
                      const char* op = nullptr);
  // Bytes that a tensor of `shape` and `dtype` takes; ValueError naming the shape (and `op` when
  // given) when that overflows int64.
  static int64_t byte_size(const Shape& shape, DType dtype, const char* op = nullptr);
  // Copies host values into a new tensor of `shape` (dtype from T).
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape,
                            Device device = default_device());
  // A view of `storage` starting `offset` bytes in (no copy); ValueError when the storage does
  // not hold offset + the shape's bytes.
  static Tensor from_storage(std::shared_ptr<Storage> storage, size_t offset, const Shape& shape,
                             DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  int rank() const { return impl().shape.rank(); }
  int64_t num_elements() const { return impl().shape.num_elements(); }
  size_t nbytes() const { return static_cast<size_t>(num_elements()) * dtype_size(dtype()); }
  uint64_t id() const { return impl().id; }

  // Raw element pointers. data<T>() checks that T matches dtype().
  const void* raw_data() const;
  template <class T>
  const T* data() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  size_t storage_offset() const { return impl().offset; }

  // The single value of a one-element tensor, converted to T (numeric types) like float(t) in
  // Python.
  template <class T>
  T item() const;
  // All values in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;

  // A copy on another device (the same handle when already there).
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device::cpu()); }

  // Kokkos::View over the data (defined in tandem/kokkos/view.h; include it to use this).
  template <class T, int Rank>
  auto as_view() const;

  // TensorFlow's repr: tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)
  std::string to_string() const;
  // numpy's repr of the value: array([[1., 2.],\n       [3., 4.]], dtype=float32); a scalar as
  // numpy prints one (1.0).
  std::string numpy_repr() const;
  // Only the values, numpy-style: [[1. 2.]\n [3. 4.]]
  std::string values_string() const;

  // Indexing with TensorFlow's syntax (defined in ops/indexing.cc, lowered to strided_slice):
  // t["1:, ::-1"], t["..., 1, tf.newaxis"], t[{Slice(1, None), ellipsis}], t[0].
  Tensor operator[](const std::string& spec) const;
  Tensor operator[](std::initializer_list<TensorIndex> index) const;
  Tensor operator[](int64_t index) const;

  const detail::TensorImpl& impl() const;
  const std::shared_ptr<detail::TensorImpl>& impl_ptr() const { return impl_; }
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<detail::TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Converts a numeric buffer of dtype `from` into T (host memory).
void convert_to_host(const void* src, DType from, void* dst, DType to, int64_t n);

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  TANDEM_CHECK(static_cast<int64_t>(values.size()) == shape.num_elements(), ValueError,
               "from_vector: expected ", shape.num_elements(), " values for shape ",
               shape.to_string(), ", received ", values.size());
  Tensor host = empty(shape, dtype_of<T>(), Device::cpu());
  // Written before anyone else sees it. (MutableTensor is built on Tensor, so not used here.)
  T* dst = static_cast<T*>(host.storage()->data());
  for (size_t i = 0; i < values.size(); ++i) dst[i] = values[i];
  return host.to(device);
}

template <class T>
const T* Tensor::data() const {
  TANDEM_CHECK(dtype_of<T>() == dtype(), TypeError, "data<", dtype_name(dtype_of<T>()),
               ">() called on a tensor of dtype ", dtype_name(dtype()));
  return static_cast<const T*>(raw_data());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = cpu();
  std::vector<T> out(static_cast<size_t>(num_elements()));
  if constexpr (std::is_same_v<T, std::string>) {
    const std::string* src = host.data<std::string>();
    out.assign(src, src + out.size());
  } else if constexpr (std::is_same_v<T, bool>) {
    // std::vector<bool> has no data(): go through a byte buffer.
    std::vector<uint8_t> bytes(out.size());
    convert_to_host(host.raw_data(), dtype(), bytes.data(), DType::kBool, num_elements());
    for (size_t i = 0; i < out.size(); ++i) out[i] = bytes[i] != 0;
  } else {
    TANDEM_CHECK(dtype() != DType::kString, TypeError, "to_vector<", dtype_name(dtype_of<T>()),
                 ">() called on a string tensor");
    convert_to_host(host.raw_data(), dtype(), out.data(), dtype_of<T>(), num_elements());
  }
  return out;
}

template <class T>
T Tensor::item() const {
  TANDEM_CHECK(num_elements() == 1, ValueError,
               "item() expects a tensor with exactly one element, received shape ",
               shape().to_string());
  return to_vector<T>()[0];
}

}  // namespace tandem
