// MutableTensor: a fresh tensor that its maker may still write (DESIGN section 2). Ops, readers and
// loaders allocate one, fill it through mutable_data<T>(), then freeze() it into an immutable
// Tensor; nothing ever writes through a Tensor's const data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tandem/core/tensor.h"

namespace tandem {

class MutableTensor {
 public:
  // Uninitialised (numeric) or empty strings (string), with Tensor::empty's checks and errors.
  static MutableTensor empty(const Shape& shape, DType dtype, Device device = default_device(),
                             const char* op = nullptr);
  // Takes over `t` for writing. Only for a value that no other handle or view can observe (a
  // Variable's own storage, read by nobody): ValueError when its handle or storage is shared.
  static MutableTensor take_unshared(Tensor&& t);

  // One writer: moved, never copied.
  MutableTensor(MutableTensor&&) = default;
  MutableTensor& operator=(MutableTensor&&) = default;
  MutableTensor(const MutableTensor&) = delete;
  MutableTensor& operator=(const MutableTensor&) = delete;

  const Shape& shape() const { return tensor_.shape(); }
  DType dtype() const { return tensor_.dtype(); }
  Device device() const { return tensor_.device(); }
  int rank() const { return tensor_.rank(); }
  int64_t num_elements() const { return tensor_.num_elements(); }
  size_t nbytes() const { return tensor_.nbytes(); }

  void* mutable_raw_data();
  // Checks that T matches dtype() (TypeError otherwise).
  template <class T>
  T* mutable_data();

  // The values written so far, for kernels that read their output (in-place updates). The handle
  // must not outlive this MutableTensor's writes.
  const Tensor& view() const { return tensor_; }

  // The finished value; this MutableTensor is empty afterwards.
  Tensor freeze() &&;

 private:
  explicit MutableTensor(Tensor t) : tensor_(std::move(t)) {}
  Tensor tensor_;
};

template <class T>
T* MutableTensor::mutable_data() {
  TANDEM_CHECK(dtype_of<T>() == dtype(), TypeError, "mutable_data<", dtype_name(dtype_of<T>()),
               ">() called on a tensor of dtype ", dtype_name(dtype()));
  return static_cast<T*>(mutable_raw_data());
}

}  // namespace tandem
