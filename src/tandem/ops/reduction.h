// Reductions (tf.reduce_sum, ...) and the ops built on them: arg-reductions, cumsum, softmax,
// logsumexp, top_k, sort, norm.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

struct ReduceOptions {
  // Axes to reduce; std::nullopt reduces all of them (TensorFlow's axis=None).
  std::optional<std::vector<int64_t>> axis;
  bool keepdims = false;
};

Tensor reduce_sum(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_mean(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_max(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_min(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_prod(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_any(const Tensor& x, const ReduceOptions& options = {});  // bool input
Tensor reduce_all(const Tensor& x, const ReduceOptions& options = {});  // bool input

}  // namespace tandem
