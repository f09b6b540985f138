#include "tandem/losses/loss_utils.h"

#include <sstream>
#include <vector>

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::losses::detail {

std::string shape_list(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (int i = 0; i < shape.rank(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

namespace {
bool ends_in_one(const Tensor& t) { return t.rank() > 0 && t.shape()[t.rank() - 1] == 1; }
Tensor drop_last(const Tensor& t) { return squeeze(t, {static_cast<int64_t>(t.rank() - 1)}); }
}  // namespace

std::pair<Tensor, Tensor> align(const Tensor& y_true, const Tensor& y_pred) {
  if (y_pred.rank() - y_true.rank() == 1 && ends_in_one(y_pred)) return {y_true, drop_last(y_pred)};
  if (y_true.rank() - y_pred.rank() == 1 && ends_in_one(y_true)) return {drop_last(y_true), y_pred};
  return {y_true, y_pred};
}

void check_prediction(const std::string& who, const Tensor& y_pred) {
  TANDEM_CHECK(y_pred.defined(), ValueError, who, " expected a defined y_pred tensor");
  TANDEM_CHECK(is_floating(y_pred.dtype()), TypeError, who,
               " expected a floating-point y_pred, received dtype ", dtype_name(y_pred.dtype()));
}

std::pair<Tensor, Tensor> prepare(const std::string& who, const Tensor& y_true,
                                  const Tensor& y_pred) {
  check_prediction(who, y_pred);
  TANDEM_CHECK(y_true.defined(), ValueError, who, " expected a defined y_true tensor");
  TANDEM_CHECK(y_true.dtype() != DType::kString, TypeError, who,
               " expected a numeric y_true, received dtype string");
  auto [t, p] = align(y_true, y_pred);
  if (t.dtype() != p.dtype()) t = cast(t, p.dtype());
  TANDEM_CHECK(t.shape() == p.shape(), ShapeError, who,
               " expected y_true and y_pred of the same shape, received ",
               shape_list(y_true.shape()), " and ", shape_list(y_pred.shape()));
  return {t, p};
}

Tensor align_weights(const Tensor& losses, const Tensor& sample_weight) {
  Tensor w = sample_weight;
  if (w.rank() == 0) return w;
  if (w.rank() - losses.rank() == 1 && ends_in_one(w)) return drop_last(w);
  if (losses.rank() - w.rank() == 1) return expand_dims(w, -1);
  return w;
}

Tensor scalar_like(double value, const Tensor& like) { return constant(value, like.dtype()); }

Tensor mean_over(const Tensor& x, int64_t axis) {
  return reduce_mean(x, {.axis = std::vector<int64_t>{axis}});
}

Tensor sum_over(const Tensor& x, int64_t axis, bool keepdims) {
  return reduce_sum(x, {.axis = std::vector<int64_t>{axis}, .keepdims = keepdims});
}

LossOptions options_from_config(const nlohmann::json& config) {
  LossOptions options;
  if (config.contains("reduction") && config["reduction"].is_string())
    options.reduction = reduction_from_name(config["reduction"].get<std::string>());
  if (config.contains("name") && config["name"].is_string())
    options.name = config["name"].get<std::string>();
  return options;
}

void check_label_smoothing(const std::string& who, double label_smoothing) {
  TANDEM_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, ValueError, who,
               " expected label_smoothing in [0, 1], received ", label_smoothing);
}

}  // namespace tandem::losses::detail
