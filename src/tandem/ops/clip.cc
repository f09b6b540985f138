#include "tandem/ops/clip.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"

namespace tandem {

Tensor clip_by_norm(const Tensor& x, double clip_norm,
                    const std::optional<std::vector<int64_t>>& axes) {
  ops::check_floating("clip_by_norm", x);
  TANDEM_CHECK(clip_norm > 0, ValueError, "clip_by_norm: expected clip_norm > 0, received ",
               clip_norm);
  Tensor l2sum = reduce_sum(square(x), {.axis = axes, .keepdims = true});
  // Where the norm is 0 the sqrt's gradient would be inf; TensorFlow guards it the same way.
  Tensor positive = greater(l2sum, ops::scalar_like(0, l2sum));
  Tensor safe = where(positive, l2sum, ones_like(l2sum));
  Tensor l2norm = where(positive, sqrt(safe), l2sum);
  Tensor c = ops::scalar_like(clip_norm, x);
  return divide(multiply(x, c), maximum(l2norm, c));
}

}  // namespace tandem
