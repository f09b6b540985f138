// Regression metrics (tf.keras.metrics.MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError,
// CosineSimilarity). State: total and count, sums over batches, so a cross-rank sum followed by
// result() gives the global value.
#pragma once

#include <string>

#include "tandem/metrics/reduce.h"

namespace tandem::metrics {

// Per-example functions: the mean over the last axis of (y_true - y_pred)^2 / |y_true - y_pred|,
// and the cosine similarity of y_true and y_pred along `axis`.
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int64_t axis = -1);

struct MeanSquaredErrorOptions {
  std::string name = "mean_squared_error";
  DType dtype = float32;
};
class MeanSquaredError : public MeanMetricWrapper {
 public:
  explicit MeanSquaredError(MeanSquaredErrorOptions options = {});
};

struct MeanAbsoluteErrorOptions {
  std::string name = "mean_absolute_error";
  DType dtype = float32;
};
class MeanAbsoluteError : public MeanMetricWrapper {
 public:
  explicit MeanAbsoluteError(MeanAbsoluteErrorOptions options = {});
};

struct RootMeanSquaredErrorOptions {
  std::string name = "root_mean_squared_error";
  DType dtype = float32;
};
// sqrt(total / count) over every element's squared error (not per-example means), as Keras.
class RootMeanSquaredError : public Mean {
 public:
  explicit RootMeanSquaredError(RootMeanSquaredErrorOptions options = {});
  using Metric::operator();  // rmse(y_true, y_pred), not a reduce metric's (values)
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  Tensor result() const override;
};

struct CosineSimilarityOptions {
  std::string name = "cosine_similarity";
  DType dtype = float32;
  int64_t axis = -1;
};
class CosineSimilarity : public MeanMetricWrapper {
 public:
  explicit CosineSimilarity(CosineSimilarityOptions options = {});
  nlohmann::json get_config() const override;

 private:
  int64_t axis_;
};

}  // namespace tandem::metrics
