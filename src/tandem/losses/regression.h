// Regression losses (tf.keras.losses): mean squared / absolute / percentage / squared-log error,
// Huber, log-cosh and cosine similarity. Each class takes its options by designated initializers,
// e.g. Huber({.delta = 2.0, .reduction = Reduction::sum}); the free functions are Keras's
// functional forms and return per-example losses (the last axis reduced).
#pragma once

#include <cstdint>
#include <string>

#include "tandem/losses/loss.h"

namespace tandem::losses {

// mean((y_pred - y_true)^2, axis=-1)
class MeanSquaredError : public Loss {
 public:
  explicit MeanSquaredError(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(|y_pred - y_true|, axis=-1)
class MeanAbsoluteError : public Loss {
 public:
  explicit MeanAbsoluteError(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// 100 * mean(|y_true - y_pred| / max(|y_true|, epsilon), axis=-1)
class MeanAbsolutePercentageError : public Loss {
 public:
  explicit MeanAbsolutePercentageError(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2, axis=-1)
class MeanSquaredLogarithmicError : public Loss {
 public:
  explicit MeanSquaredLogarithmicError(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct HuberOptions {
  double delta = 1.0;  // where the loss turns from quadratic to linear; >= 0
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: "huber_loss"
};

// mean(0.5 * e^2 if |e| <= delta else delta * |e| - 0.5 * delta^2, axis=-1), e = y_pred - y_true
class Huber : public Loss {
 public:
  explicit Huber(HuberOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  nlohmann::json get_config() const override;
  double delta() const { return delta_; }

 private:
  double delta_;
};

// mean(log(cosh(y_pred - y_true)), axis=-1), computed without overflow.
class LogCosh : public Loss {
 public:
  explicit LogCosh(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

struct CosineSimilarityOptions {
  int64_t axis = -1;  // the axis along which the vectors lie
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: "cosine_similarity"
};

// -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 for parallel vectors, so minimising
// it maximises the similarity (0 when either vector is zero).
class CosineSimilarity : public Loss {
 public:
  explicit CosineSimilarity(CosineSimilarityOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  nlohmann::json get_config() const override;
  int64_t axis() const { return axis_; }

 private:
  int64_t axis_;
};

// Functional forms: per-example losses.
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred);
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int64_t axis = -1);

}  // namespace tandem::losses
