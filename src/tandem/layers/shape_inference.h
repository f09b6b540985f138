// Output-shape arithmetic with unknown dimensions (-1, Keras's None) for the built-in layers'
// compute_output_shape: an output dimension is unknown exactly when it depends on an unknown input
// dimension (Keras's conv_utils and merge-layer shape rules).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "tandem/core/shape.h"

namespace tandem::layers {

// Output length of a window of `window` cells (dilated by `dilation`) sliding with `stride` over
// `in` cells, padding "valid" or "same" (lower case, as the layers store it); -1 for an unknown
// `in`. ValueError naming `layer` when a "valid" window does not fit.
int64_t conv_output_length(const std::string& layer, const char* dim_name, int64_t in,
                           int64_t window, int64_t stride, int64_t dilation,
                           const std::string& padding);

// The product of the dimensions, or -1 when one of them is unknown.
int64_t product_or_unknown(std::span<const int64_t> dims);

// Two sizes that must agree: the known one when the other is unknown; empty when both are known
// and differ.
std::optional<int64_t> merge_dim(int64_t a, int64_t b);

// NumPy broadcasting of two shapes whose dimensions may be unknown, as TensorFlow infers it: an
// unknown dimension against a known one other than 1 gives the known one (anything else would not
// broadcast), against 1 or unknown it stays unknown. Empty when two known dimensions clash.
std::optional<Shape> broadcast_dims(const Shape& a, const Shape& b);

}  // namespace tandem::layers
