// Keras's `_keras_logits`: the softmax and sigmoid activations remember the logits they were given,
// and the probabilistic losses, handed such an activation's output with from_logits = false,
// compute from those logits instead (one fused, numerically stable cross-entropy kernel forward,
// softmax - labels backward, no clipping of saturated probabilities), as Keras does.
//
// The association is by value identity (Tensor::id(): tensors are immutable, so an id names one
// value) and kept for the most recent few activation outputs of each thread: the forward pass and
// its loss run on one thread, one after the other.
#pragma once

#include <optional>

#include "tandem/core/tensor.h"

namespace tandem::activations {

enum class LogitsOf { kSoftmax, kSigmoid };

// Records that `output` is `kind`(logits) over the last axis (softmax) or element-wise (sigmoid).
void remember_logits(const Tensor& output, const Tensor& logits, LogitsOf kind);

// The logits `output` was computed from by `kind`, if it is such an output and still remembered.
std::optional<Tensor> remembered_logits(const Tensor& output, LogitsOf kind);

}  // namespace tandem::activations
