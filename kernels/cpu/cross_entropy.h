// Fused, numerically stable cross-entropy kernels: each computes the per-example loss and, in the
// same pass, what the backward pass needs, so the gradient is one multiply by the incoming
// gradient. Floating types (the 16-bit floats compute in float).
#pragma once

#include <cstdint>

#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// Rows of `classes` logits and label probabilities. With lse = log(sum(exp(logits))) (computed
// after subtracting the row maximum): loss[r] = sum_c labels * (lse - logits), logsumexp[r] = lse
// and backprop = softmax * sum_c(labels) - labels (softmax - labels for labels that sum to 1).
void softmax_cross_entropy(ScalarType t, int64_t rows, int64_t classes, const void* logits,
                           const void* labels, void* loss, void* backprop, void* logsumexp);

// As above with one integer class index per row (label_type int32 or int64, all in [0, classes)):
// loss[r] = lse - logits[r, label] and backprop = softmax - one_hot(label).
void sparse_softmax_cross_entropy(ScalarType t, ScalarType label_type, int64_t rows,
                                  int64_t classes, const void* logits, const void* labels,
                                  void* loss, void* backprop);

// Element-wise loss = max(x, 0) - x * z + log1p(exp(-|x|)) and sigmoid = 1 / (1 + exp(-x)).
void sigmoid_cross_entropy(ScalarType t, int64_t n, const void* logits, const void* labels,
                           void* loss, void* sigmoid);

}  // namespace tandem::kernels::cpu
