#include "tandem/losses/regression.h"

#include <cmath>
#include <vector>

#include "tandem/losses/loss_utils.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::losses {

using detail::kEpsilon;
using detail::mean_over;
using detail::prepare;
using detail::scalar_like;

namespace {

Tensor mse_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  return mean_over(squared_difference(p, t), -1);
}

Tensor mae_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  return mean_over(abs(p - t), -1);
}

Tensor mape_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  Tensor diff = abs((t - p) / maximum(abs(t), scalar_like(kEpsilon, t)));
  return mean_over(diff, -1) * 100.0;
}

Tensor msle_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  Tensor eps = scalar_like(kEpsilon, p);
  Tensor first_log = log(maximum(p, eps) + 1.0);
  Tensor second_log = log(maximum(t, eps) + 1.0);
  return mean_over(squared_difference(first_log, second_log), -1);
}

void check_delta(const std::string& who, double delta) {
  TANDEM_CHECK(delta >= 0.0, ValueError, who, " expected delta >= 0, received ", delta);
}

Tensor huber_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred,
                  double delta) {
  check_delta(who, delta);
  auto [t, p] = prepare(who, y_true, y_pred);
  Tensor error = p - t;
  Tensor abs_error = abs(error);
  Tensor quadratic = square(error) * 0.5;
  Tensor linear = abs_error * delta - 0.5 * delta * delta;
  return mean_over(where(abs_error <= delta, quadratic, linear), -1);
}

Tensor log_cosh_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  // log(cosh(x)) = x + softplus(-2x) - log(2): finite for any x, unlike cosh itself.
  Tensor x = p - t;
  return mean_over(x + softplus(x * -2.0) - std::log(2.0), -1);
}

Tensor l2_normalize(const Tensor& x, int64_t axis) {
  Tensor square_sum = detail::sum_over(square(x), axis, /*keepdims=*/true);
  return x * rsqrt(maximum(square_sum, scalar_like(1e-12, x)));
}

Tensor cosine_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred,
                   int64_t axis) {
  auto [t, p] = prepare(who, y_true, y_pred);
  return -detail::sum_over(l2_normalize(t, axis) * l2_normalize(p, axis), axis);
}

}  // namespace

MeanSquaredError::MeanSquaredError(LossOptions options)
    : Loss("MeanSquaredError", "mean_squared_error", std::move(options)) {}
Tensor MeanSquaredError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mse_impl(class_name(), y_true, y_pred);
}

MeanAbsoluteError::MeanAbsoluteError(LossOptions options)
    : Loss("MeanAbsoluteError", "mean_absolute_error", std::move(options)) {}
Tensor MeanAbsoluteError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mae_impl(class_name(), y_true, y_pred);
}

MeanAbsolutePercentageError::MeanAbsolutePercentageError(LossOptions options)
    : Loss("MeanAbsolutePercentageError", "mean_absolute_percentage_error", std::move(options)) {}
Tensor MeanAbsolutePercentageError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return mape_impl(class_name(), y_true, y_pred);
}

MeanSquaredLogarithmicError::MeanSquaredLogarithmicError(LossOptions options)
    : Loss("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", std::move(options)) {}
Tensor MeanSquaredLogarithmicError::call(const Tensor& y_true, const Tensor& y_pred) const {
  return msle_impl(class_name(), y_true, y_pred);
}

Huber::Huber(HuberOptions options)
    : Loss("Huber", "huber_loss", {.reduction = options.reduction, .name = options.name}),
      delta_(options.delta) {
  check_delta("Huber", delta_);
}
Tensor Huber::call(const Tensor& y_true, const Tensor& y_pred) const {
  return huber_impl(class_name(), y_true, y_pred, delta_);
}
nlohmann::json Huber::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["delta"] = delta_;
  return config;
}

LogCosh::LogCosh(LossOptions options) : Loss("LogCosh", "log_cosh", std::move(options)) {}
Tensor LogCosh::call(const Tensor& y_true, const Tensor& y_pred) const {
  return log_cosh_impl(class_name(), y_true, y_pred);
}

CosineSimilarity::CosineSimilarity(CosineSimilarityOptions options)
    : Loss("CosineSimilarity", "cosine_similarity",
           {.reduction = options.reduction, .name = options.name}),
      axis_(options.axis) {}
Tensor CosineSimilarity::call(const Tensor& y_true, const Tensor& y_pred) const {
  return cosine_impl(class_name(), y_true, y_pred, axis_);
}
nlohmann::json CosineSimilarity::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["axis"] = axis_;
  return config;
}

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  return mse_impl("mean_squared_error", y_true, y_pred);
}
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  return mae_impl("mean_absolute_error", y_true, y_pred);
}
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  return mape_impl("mean_absolute_percentage_error", y_true, y_pred);
}
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred) {
  return msle_impl("mean_squared_logarithmic_error", y_true, y_pred);
}
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  return huber_impl("huber", y_true, y_pred, delta);
}
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  return log_cosh_impl("log_cosh", y_true, y_pred);
}
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int64_t axis) {
  return cosine_impl("cosine_similarity", y_true, y_pred, axis);
}

}  // namespace tandem::losses
