// The comm/ view of a tensor that this process owns and the collective may write into (a fresh
// pack made for the collective): comm/ knows buffers, not tensors (DESIGN section 1).
#pragma once

#include "comm/communicator.h"
#include "tandem/core/tensor.h"
#include "tandem/ops/op_utils.h"

namespace tandem::distributed {

inline comm::Buffer buffer_of(const Tensor& t) {
  return {.data = ops::mutable_data(t),
          .count = static_cast<size_t>(t.num_elements()),
          .dtype = static_cast<kernels::ScalarType>(t.dtype()),
          .device = t.device().is_cuda() ? t.device().index() : -1};
}

}  // namespace tandem::distributed
