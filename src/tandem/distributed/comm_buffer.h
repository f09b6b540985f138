// The comm/ views of tensors for collectives: comm/ knows buffers, not tensors (DESIGN section 1).
#pragma once

#include "comm/communicator.h"
#include "tandem/core/mutable_tensor.h"
#include "tandem/core/tensor.h"

namespace tandem::distributed {

// A buffer the collective may write into: a fresh pack this process made for it.
inline comm::Buffer buffer_of(MutableTensor& t) {
  return {.data = t.mutable_raw_data(),
          .count = static_cast<size_t>(t.num_elements()),
          .dtype = t.dtype(),
          .device = t.device().is_cuda() ? t.device().index() : -1};
}

// A buffer the collective only reads (the input of all_gather). comm::Buffer has one pointer type
// for inputs and outputs; comm/ never writes through an input.
inline comm::Buffer input_buffer_of(const Tensor& t) {
  return {.data = const_cast<void*>(t.raw_data()),
          .count = static_cast<size_t>(t.num_elements()),
          .dtype = t.dtype(),
          .device = t.device().is_cuda() ? t.device().index() : -1};
}

}  // namespace tandem::distributed
