// Indexing: slicing with TensorFlow's syntax (strided_slice, Tensor::operator[]), gather /
// gather_nd, boolean_mask and the scatter family. Index tensors are int32 or int64; an index
// outside its dimension is an error that names the index and the valid range (TensorFlow's CPU
// behaviour).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/core/index.h"
#include "tandem/core/tensor.h"

namespace tandem {

// Bit i of a mask refers to entry i of begin / end / strides, as in tf.strided_slice.
struct StridedSliceOptions {
  int64_t begin_mask = 0;     // ignore begin[i]: start at the beginning (end for negative strides)
  int64_t end_mask = 0;       // ignore end[i]: run to the end (beginning for negative strides)
  int64_t ellipsis_mask = 0;  // entry i is `...`; at most one bit
  int64_t new_axis_mask = 0;  // entry i inserts a dimension of size 1
  int64_t shrink_axis_mask = 0;  // entry i is an integer index: begin[i] picks one element and the
                                 // dimension is removed (out of range is an error)
};

// tf.strided_slice. Unmasked begin/end are Python-style: negative values count from the end and
// out-of-range values are clamped. `strides` defaults to all ones; a zero stride is an error.
Tensor strided_slice(const Tensor& x, const std::vector<int64_t>& begin,
                     const std::vector<int64_t>& end, const std::vector<int64_t>& strides = {},
                     const StridedSliceOptions& options = {});

// The strided_slice arguments that a subscript lowers to (what Tensor::operator[] runs).
struct StridedSliceArgs {
  std::vector<int64_t> begin, end, strides;
  StridedSliceOptions options;
};
StridedSliceArgs to_strided_slice_args(const std::vector<TensorIndex>& index);
// Parses a subscript written as in Python: "1:, ::-1", "..., 0, tf.newaxis" ("newaxis" and "None"
// also insert an axis). ValueError for anything else.
std::vector<TensorIndex> parse_index(const std::string& spec);

// tf.slice: `size[i] == -1` takes everything from begin[i] on. Out-of-range is an error here.
Tensor slice(const Tensor& x, const std::vector<int64_t>& begin, const std::vector<int64_t>& size);

struct GatherOptions {
  // Axis of params to gather from; defaults to batch_dims (TensorFlow's axis=None).
  std::optional<int64_t> axis = std::nullopt;
  // Leading dimensions shared by params and indices: each batch gathers with its own indices.
  int64_t batch_dims = 0;
};

// tf.gather: output shape params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis+1:].
// Gradient: the output gradient scatter-added into zeros shaped like params (repeats accumulate).
Tensor gather(const Tensor& params, const Tensor& indices, const GatherOptions& options = {});

// tf.gather_nd: the innermost dimension of indices holds index tuples into params (after
// batch_dims shared leading dimensions); each tuple picks an element or a slice.
Tensor gather_nd(const Tensor& params, const Tensor& indices, int64_t batch_dims = 0);

// tf.boolean_mask: keeps the entries of `tensor` where `mask` is true; mask's shape must match
// tensor.shape[axis : axis + mask.rank], and those dimensions collapse into one.
Tensor boolean_mask(const Tensor& tensor, const Tensor& mask, int64_t axis = 0);

// tf.scatter_nd: zeros of `shape` with `updates` added at `indices` ([..., k] index tuples);
// duplicate indices add up, as in TensorFlow.
Tensor scatter_nd(const Tensor& indices, const Tensor& updates, const Shape& shape);

// Copy of `tensor` with the slices at `indices` ([..., k] integer index tuples) replaced by
// `updates` (for duplicates the last update wins).
Tensor tensor_scatter_nd_update(const Tensor& tensor, const Tensor& indices, const Tensor& updates);
// Copy of `tensor` with `updates` added at `indices` (duplicates accumulate).
Tensor tensor_scatter_nd_add(const Tensor& tensor, const Tensor& indices, const Tensor& updates);

}  // namespace tandem
