// Reduce metrics (tf.keras.metrics.Sum, Mean) and MeanMetricWrapper, the weighted mean of a
// per-example function that Keras builds the accuracy and regression metrics on.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "tandem/metrics/metric.h"

namespace tandem::metrics {

// Reduce: the base of Sum and Mean. update_state(values, sample_weight) adds the weighted values to
// `total` and, for Mean, the weights (or the number of values) to `count`. Both are sums over the
// batches, so summing them across ranks and calling result() gives the global value.
class Reduce : public Metric {
 public:
  enum class Reduction { sum, weighted_mean };

  void update_state(const Tensor& values);
  void update_state(const Tensor& values, const Tensor& sample_weight);
  void update_state(const Tensor& values, const std::optional<Tensor>& sample_weight);
  // A reduce metric has no (y_true, y_pred) form: ValueError pointing at update_state(values).
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight) override;
  Tensor result() const override;
  // Keras's `mean(values)` / `mean(values, sample_weight)`: update_state, then result().
  Tensor operator()(const Tensor& values);
  Tensor operator()(const Tensor& values, const Tensor& sample_weight);

 protected:
  Reduce(std::string class_name, std::string name, DType dtype, Reduction reduction);
  // The shared accumulation, callable by subclasses that compute their own values.
  void accumulate(const Tensor& values, const std::optional<Tensor>& sample_weight);
  const Variable& total() const { return total_; }
  const Variable& count() const { return count_; }

 private:
  Reduction reduction_;
  Variable total_;
  Variable count_;  // only for weighted_mean
};

struct SumOptions {
  std::string name = "sum";
  DType dtype = float32;
};

// tf.keras.metrics.Sum: the weighted sum of the values. State: total (a sum).
class Sum : public Reduce {
 public:
  explicit Sum(SumOptions options = {});
};

struct MeanOptions {
  std::string name = "mean";
  DType dtype = float32;
};

// tf.keras.metrics.Mean: total / count, the weighted mean of the values (0 before any update).
// State: total (sum of weighted values) and count (sum of weights); both sums.
class Mean : public Reduce {
 public:
  explicit Mean(MeanOptions options = {});

 protected:
  Mean(std::string class_name, std::string name, DType dtype);
};

// A per-example metric function: (y_true, y_pred) -> values, usually one per example.
using MetricFunction = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

// tf.keras.metrics.MeanMetricWrapper: casts y_true and y_pred to the metric dtype, squeezes a
// trailing dimension of 1 where their ranks differ by one, and adds fn(y_true, y_pred) to a
// weighted Mean. State: total and count, sums over batches.
class MeanMetricWrapper : public Mean {
 public:
  MeanMetricWrapper(MetricFunction fn, std::string name, DType dtype = float32);
  // Called as metric(y_true, y_pred[, sample_weight]), not as a reduce metric's (values).
  using Metric::operator();
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;

 protected:
  MeanMetricWrapper(std::string class_name, MetricFunction fn, std::string name, DType dtype);

 private:
  MetricFunction fn_;
};

}  // namespace tandem::metrics
