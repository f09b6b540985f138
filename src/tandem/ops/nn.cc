#include "tandem/ops/nn.h"

#include <algorithm>

#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/random.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {
namespace {
bool is_16bit_float(DType t) { return t == float16 || t == bfloat16; }

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  for (int i = 1; i <= from.rank(); ++i) {
    int64_t f = from[from.rank() - i], t = to[to.rank() - i];
    if (f != t && f != 1) return false;
  }
  return true;
}
}  // namespace

Moments moments(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims) {
  ops::check_floating("moments", x);
  if (is_16bit_float(x.dtype())) {
    // float16 sums overflow and bfloat16 sums lose digits long before a batch ends.
    Moments m = moments(cast(x, float32), axes, keepdims);
    return {cast(m.mean, x.dtype()), cast(m.variance, x.dtype())};
  }
  std::vector<bool> reduced(x.rank(), false);
  for (int64_t a : axes) {
    int d = ops::normalize_axis("moments", a, x.rank());
    TANDEM_CHECK(!reduced[d], ValueError, "moments: axis ", a, " appears twice in axes");
    reduced[d] = true;
  }
  const ReduceOptions keep{.axis = axes, .keepdims = true};
  Tensor mean = reduce_mean(x, keep);
  // The mean is not stopped here (TensorFlow stops it): the first derivative is the same either
  // way, and keeping it makes second derivatives exact.
  Tensor variance = reduce_mean(squared_difference(x, mean), keep);
  if (keepdims) return {mean, variance};
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d)
    if (!reduced[d]) dims.push_back(x.shape()[d]);
  return {reshape(mean, Shape(dims)), reshape(variance, Shape(dims))};
}

Tensor dropout(const Tensor& x, double rate, const DropoutOpOptions& options) {
  ops::check_defined("dropout", x, "x");
  TANDEM_CHECK(is_floating(x.dtype()), TypeError,
               "dropout: x has to be a floating-point tensor since it is scaled, received ",
               dtype_name(x.dtype()));
  TANDEM_CHECK(rate >= 0 && rate < 1, ValueError,
               "dropout: rate must be a float in the range [0, 1), received ", rate);
  const Shape noise_shape = options.noise_shape.value_or(x.shape());
  TANDEM_CHECK(broadcasts_to(noise_shape, x.shape()), ShapeError, "dropout: noise_shape ",
               noise_shape.to_list_string(), " must broadcast to x's shape ",
               x.shape().to_list_string());
  if (rate == 0) return x;
  const DType draw_dtype = is_16bit_float(x.dtype()) ? float32 : x.dtype();
  Tensor uniform =
      random_uniform(noise_shape, {.dtype = draw_dtype, .seed = options.seed, .per_replica = true});
  Tensor keep = cast(greater_equal(uniform, ops::scalar_like(rate, uniform)), x.dtype());
  return multiply(multiply(x, ops::scalar_like(1.0 / (1.0 - rate), x)), keep);
}

}  // namespace tandem
