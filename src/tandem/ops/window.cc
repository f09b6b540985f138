#include "tandem/ops/window.h"

#include <algorithm>

#include "tandem/core/error.h"

namespace tandem::ops {
namespace {
std::string list_string(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s + "]";
}
}  // namespace

Window2DSize window_2d(const char* op, const char* what, const Window2D& window) {
  const std::vector<int64_t>& v = window.values;
  TANDEM_CHECK(v.size() == 1 || v.size() == 2 || v.size() == 4, ValueError, op, ": ", what,
               " must have 1, 2 or 4 entries, received ", list_string(v));
  Window2DSize size{v[0], v.size() == 1 ? v[0] : v[1]};
  if (v.size() == 4) {
    TANDEM_CHECK(v[0] == 1 && v[3] == 1, ValueError, op, ": ", what,
                 " in the batch and channel dimensions must be 1, received ", list_string(v));
    size = {v[1], v[2]};
  }
  TANDEM_CHECK(size.h >= 1 && size.w >= 1, ValueError, op, ": ", what,
               " must be positive, received ", list_string(v));
  return size;
}

Padding parse_padding(const char* op, const std::string& padding) {
  if (padding == "SAME") return Padding::kSame;
  if (padding == "VALID") return Padding::kValid;
  throw ValueError(
      detail::concat(op, ": padding must be \"SAME\" or \"VALID\", received \"", padding, "\""));
}

SpatialExtent spatial_extent(const char* op, const char* dim_name, int64_t in, int64_t window,
                             int64_t stride, int64_t dilation, Padding padding) {
  const int64_t effective = (window - 1) * dilation + 1;
  if (padding == Padding::kSame) {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t pad_total = std::max<int64_t>((out - 1) * stride + effective - in, 0);
    return {out, pad_total / 2};
  }
  TANDEM_CHECK(in >= effective, ValueError, op, ": the ", dim_name, " of the input (", in,
               ") is smaller than the ", dilation > 1 ? "dilated " : "", "window (", effective,
               ") with padding \"VALID\"; use padding \"SAME\" or a smaller window");
  return {(in - effective) / stride + 1, 0};
}

}  // namespace tandem::ops
