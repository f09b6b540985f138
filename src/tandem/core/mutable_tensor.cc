#include "tandem/core/mutable_tensor.h"

namespace tandem {

MutableTensor MutableTensor::empty(const Shape& shape, DType dtype, Device device, const char* op) {
  return MutableTensor(Tensor::empty(shape, dtype, device, op));
}

MutableTensor MutableTensor::take_unshared(Tensor&& t) {
  TANDEM_CHECK(t.defined(), ValueError, "MutableTensor: cannot take an undefined Tensor");
  TANDEM_CHECK(t.impl_ptr().use_count() == 1 && t.storage().use_count() == 1, ValueError,
               "MutableTensor: expected a tensor that no other handle or view shares, received "
               "one with ",
               t.impl_ptr().use_count(), " handles whose storage has ", t.storage().use_count(),
               " owners");
  return MutableTensor(std::move(t));
}

void* MutableTensor::mutable_raw_data() {
  TANDEM_CHECK(tensor_.defined(), ValueError, "MutableTensor: written after freeze()");
  // The storage hands out writable memory; only its maker (this handle) writes through it.
  return static_cast<char*>(tensor_.storage()->data()) + tensor_.storage_offset();
}

Tensor MutableTensor::freeze() && {
  TANDEM_CHECK(tensor_.defined(), ValueError, "MutableTensor: freeze() called twice");
  return std::move(tensor_);
}

}  // namespace tandem
