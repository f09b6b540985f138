// Fused cross-entropy ops (tf.nn.*_cross_entropy_with_logits): numerically stable for any logits,
// one loss per example, and a backward pass that reuses the softmax / sigmoid of the forward pass.
#pragma once

#include <cstdint>

#include "tandem/core/tensor.h"

namespace tandem {

// -sum(labels * log_softmax(logits)) along `axis`; labels has logits' shape and dtype (a
// probability distribution per example). The result drops `axis`. Differentiable in both labels and
// logits.
Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits,
                                         int64_t axis = -1);

// The same loss with one int32/int64 class index per example: labels [d0, ..., dn-1], logits
// [d0, ..., dn-1, num_classes] -> [d0, ..., dn-1]. Labels must lie in [0, num_classes).
Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);

// Element-wise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels z of
// the same shape. Differentiable in both.
Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);

}  // namespace tandem
