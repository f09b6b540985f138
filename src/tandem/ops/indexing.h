// Indexing: slicing with TensorFlow's syntax, gather / scatter, boolean_mask, reverse, tile, pad.
#pragma once

#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

// Copy of `tensor` with the slices at `indices` ([..., k] integer index tuples) replaced by `updates`.
Tensor tensor_scatter_nd_update(const Tensor& tensor, const Tensor& indices, const Tensor& updates);

}  // namespace tandem
