// Sorting ops: tf.math.top_k, tf.sort, tf.argsort.
#pragma once

#include <cstdint>
#include <string>

#include "tandem/core/tensor.h"

namespace tandem {

struct TopK {
  Tensor values;   // [..., k], input's dtype
  Tensor indices;  // [..., k], int32 positions along the last axis
};

// The k largest entries along the last axis, largest first; among equal values the lower index
// comes first. `sorted = false` allows any order, and Tandem still returns them sorted. The
// gradient of `values` flows back to the positions in `indices`.
TopK top_k(const Tensor& input, int64_t k = 1, bool sorted = true);

// values sorted along `axis`; direction is "ASCENDING" or "DESCENDING". NaN sorts above every
// number.
Tensor sort(const Tensor& values, int64_t axis = -1, const std::string& direction = "ASCENDING");

// int32 indices that sort `values` along `axis`. The sort is always stable (equal values keep their
// order), so `stable` only documents intent, as in TensorFlow.
Tensor argsort(const Tensor& values, int64_t axis = -1, const std::string& direction = "ASCENDING",
               bool stable = true);

}  // namespace tandem
