// Sliding-window geometry shared by convolution and pooling (NHWC): window sizes, strides and
// dilations given as TensorFlow accepts them, and the output size and padding of "SAME" / "VALID".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tandem {

// A per-spatial-dimension parameter: one int for both dimensions, {h, w}, or TensorFlow's
// {1, h, w, 1} (batch and channel entries must be 1).
struct Window2D {
  Window2D(int64_t v) : values{v} {}  // NOLINT: implicit so `.strides = 2` reads like TF
  Window2D(std::initializer_list<int64_t> v) : values(v) {}
  Window2D(std::vector<int64_t> v) : values(std::move(v)) {}  // NOLINT
  std::vector<int64_t> values;
};

namespace ops {

struct Window2DSize {
  int64_t h, w;
};
// Validates and expands a Window2D ("conv2d: strides must have 1, 2 or 4 entries, received 3").
Window2DSize window_2d(const char* op, const char* what, const Window2D& window);

enum class Padding { kSame, kValid };
// "SAME" or "VALID" (case-sensitive like TensorFlow); ValueError naming the op otherwise.
Padding parse_padding(const char* op, const std::string& padding);

struct SpatialExtent {
  int64_t out;         // output size along the dimension
  int64_t pad_before;  // implicit zero (or -inf for max pooling) cells before the input
};
// Output size of a window of `window` cells (dilated: (window - 1) * dilation + 1) sliding over
// `in` cells with `stride`; ValueError when a VALID window does not fit.
SpatialExtent spatial_extent(const char* op, const char* dim_name, int64_t in, int64_t window,
                             int64_t stride, int64_t dilation, Padding padding);

}  // namespace ops
}  // namespace tandem
