#include "tandem/metrics/utils.h"

#include <string>

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::metrics::detail {

Tensor cast_to(const Tensor& x, DType dtype) { return x.dtype() == dtype ? x : cast(x, dtype); }

std::pair<Tensor, Tensor> squeeze_or_expand(Tensor y_pred, Tensor y_true) {
  const int diff = y_pred.rank() - y_true.rank();
  if (diff == 1 && y_pred.shape().dim(-1) == 1) {
    y_pred = squeeze(y_pred, {-1});
  } else if (diff == -1 && y_true.shape().dim(-1) == 1) {
    y_true = squeeze(y_true, {-1});
  }
  return {y_pred, y_true};
}

Tensor match_weight_rank(Tensor weight, const Tensor& values) {
  const int diff = weight.rank() - values.rank();
  if (weight.rank() == 0) return weight;
  if (diff == 1 && weight.shape().dim(-1) == 1) return squeeze(weight, {-1});
  if (diff == -1) return expand_dims(weight, -1);
  return weight;
}

bool weight_broadcastable(const Shape& weight, const Shape& shape) {
  if (weight.rank() == 0) return true;
  if (weight.rank() != shape.rank()) return false;
  for (int i = 0; i < shape.rank(); ++i) {
    if (weight[i] != 1 && weight[i] != shape[i]) return false;
  }
  return true;
}

Tensor broadcast_weight(const Tensor& weight, const Tensor& values, DType dtype,
                        const std::string& who) {
  Tensor w = match_weight_rank(cast_to(weight, dtype), values);
  TANDEM_CHECK(weight_broadcastable(w.shape(), values.shape()), ValueError, who,
               ": sample_weight of shape ", weight.shape().to_string(),
               " does not broadcast to the values of shape ", values.shape().to_string(),
               " (expected a scalar, [batch] or a shape of the same rank with dimensions 1 or "
               "equal)");
  return w.shape() == values.shape() ? w : broadcast_to(w, values.shape());
}

Tensor divide_no_nan(const Tensor& x, const Tensor& y) {
  Tensor zero = zeros_like(x);
  Tensor safe_y = where(equal(y, zeros_like(y)), ones_like(y), y);
  return where(equal(y, zeros_like(y)), zero, x / safe_y);
}

std::string describe(const std::string& class_name, const std::string& name) {
  return class_name + " '" + name + "'";
}

}  // namespace tandem::metrics::detail
