// Shape manipulation (tf.reshape, tf.transpose, tf.concat, ...). Reshape-like ops return views that
// share storage; ops that move data materialise a new tensor.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

// One dimension may be -1 and is inferred.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor expand_dims(const Tensor& x, int64_t axis);
// Removes the given size-1 axes (all size-1 axes when none are given).
Tensor squeeze(const Tensor& x, const std::vector<int64_t>& axis = {});
// Permutes dimensions; the default reverses them (a matrix transpose for rank 2).
Tensor transpose(const Tensor& x, const std::optional<std::vector<int64_t>>& perm = std::nullopt);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor concat(const std::vector<Tensor>& values, int64_t axis);
Tensor stack(const std::vector<Tensor>& values, int64_t axis = 0);
// Splits along axis into pieces of the given sizes (one may be -1), or into num_splits equal
// pieces.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t axis = 0);
std::vector<Tensor> split(const Tensor& x, int64_t num_splits, int64_t axis = 0);
std::vector<Tensor> unstack(const Tensor& x, int64_t axis = 0);

// Repeats x multiples[d] times along each dimension d (one multiple per dimension, each >= 0).
Tensor tile(const Tensor& x, const std::vector<int64_t>& multiples);

struct PadOptions {
  // "CONSTANT", "REFLECT" (mirror without the edge element) or "SYMMETRIC" (mirror with it), in any
  // case. REFLECT pads at most size - 1 per side, SYMMETRIC at most size.
  std::string mode = "CONSTANT";
  // The fill value of CONSTANT mode (string tensors pad with "").
  double constant_values = 0;
};
// paddings[d] = {before, after}: how many elements to add in front of and behind dimension d.
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& paddings,
           const PadOptions& options = {});

// Reverses the order of elements along each of the given axes.
Tensor reverse(const Tensor& x, const std::vector<int64_t>& axis);

}  // namespace tandem
