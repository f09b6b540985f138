#include "tandem/layers/shape_inference.h"

#include <algorithm>
#include <vector>

#include "tandem/ops/window.h"

namespace tandem::layers {

int64_t conv_output_length(const std::string& layer, const char* dim_name, int64_t in,
                           int64_t window, int64_t stride, int64_t dilation,
                           const std::string& padding) {
  if (in < 0) return Shape::kUnknown;
  // The kernels' own geometry, so the inferred size is the size a call produces.
  ops::Padding p = padding == "same" ? ops::Padding::kSame : ops::Padding::kValid;
  return ops::spatial_extent(layer.c_str(), dim_name, in, window, stride, dilation, p).out;
}

int64_t product_or_unknown(std::span<const int64_t> dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d < 0) return Shape::kUnknown;
    product *= d;
  }
  return product;
}

std::optional<int64_t> merge_dim(int64_t a, int64_t b) {
  if (a < 0) return b;
  if (b < 0 || a == b) return a;
  return std::nullopt;
}

std::optional<Shape> broadcast_dims(const Shape& a, const Shape& b) {
  int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int i = 1; i <= rank; ++i) {
    int64_t x = i <= a.rank() ? a[a.rank() - i] : 1;
    int64_t y = i <= b.rank() ? b[b.rank() - i] : 1;
    int64_t d;
    if (x == 1) {
      d = y;
    } else if (y == 1) {
      d = x;
    } else if (x < 0 || y < 0) {
      d = std::max(x, y);  // the known one, or unknown when both are
    } else if (x == y) {
      d = x;
    } else {
      return std::nullopt;
    }
    out[static_cast<size_t>(rank - i)] = d;
  }
  return Shape(out);
}

}  // namespace tandem::layers
