// Confusion-matrix metrics (tf.keras.metrics.Precision, Recall, AUC). Each keeps weighted counts of
// true/false positives/negatives at a list of thresholds; the counts are sums over batches, so a
// cross-rank sum followed by result() gives the global value. Predictions must lie in [0, 1];
// a prediction counts as positive when it is strictly above the threshold, a label when nonzero.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/metrics/metric.h"

namespace tandem::metrics {

struct PrecisionOptions {
  // Empty: one threshold, 0.5 (or, with top_k, "anything kept by top_k counts as predicted").
  std::vector<double> thresholds = {};
  std::optional<int64_t> top_k = std::nullopt;     // only the k highest predictions per row count
  std::optional<int64_t> class_id = std::nullopt;  // only this class (last axis) counts
  std::string name = "precision";
  DType dtype = float32;
};

// tf.keras.metrics.Precision: tp / (tp + fp) per threshold (a scalar with one threshold).
// State: true_positives and false_positives, [num_thresholds] sums.
class Precision : public Metric {
 public:
  explicit Precision(PrecisionOptions options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  Tensor result() const override;
  nlohmann::json get_config() const override;

 private:
  PrecisionOptions options_;
  Tensor thresholds_;
  Variable true_positives_;
  Variable false_positives_;
};

struct RecallOptions {
  std::vector<double> thresholds = {};  // as PrecisionOptions
  std::optional<int64_t> top_k = std::nullopt;
  std::optional<int64_t> class_id = std::nullopt;
  std::string name = "recall";
  DType dtype = float32;
};

// tf.keras.metrics.Recall: tp / (tp + fn) per threshold (a scalar with one threshold).
// State: true_positives and false_negatives, [num_thresholds] sums.
class Recall : public Metric {
 public:
  explicit Recall(RecallOptions options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  Tensor result() const override;
  nlohmann::json get_config() const override;

 private:
  RecallOptions options_;
  Tensor thresholds_;
  Variable true_positives_;
  Variable false_negatives_;
};

struct AUCOptions {
  // Thresholds: -epsilon, i/(num_thresholds-1) for i = 1..num_thresholds-2, 1+epsilon (Keras's
  // layout, epsilon = 1e-7), unless `thresholds` is given, which replaces the inner ones.
  int64_t num_thresholds = 200;
  std::string curve = "ROC";                       // "ROC" or "PR"
  std::string summation_method = "interpolation";  // "interpolation", "minoring", "majoring"
  std::vector<double> thresholds = {};
  std::string name = "auc";
  DType dtype = float32;
};

// tf.keras.metrics.AUC (single label): the area under the ROC or precision-recall curve, by a
// Riemann sum over the thresholds (PR interpolation after Davis & Goadrich, as Keras).
// State: true_positives, true_negatives, false_positives, false_negatives, [num_thresholds] sums.
class AUC : public Metric {
 public:
  explicit AUC(AUCOptions options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  Tensor result() const override;
  nlohmann::json get_config() const override;
  // The thresholds in use, endpoints included.
  const std::vector<double>& thresholds() const { return thresholds_; }

 private:
  double interpolate_pr_auc() const;
  AUCOptions options_;
  std::vector<double> thresholds_;
  Tensor thresholds_tensor_;
  Variable true_positives_;
  Variable true_negatives_;
  Variable false_positives_;
  Variable false_negatives_;
};

}  // namespace tandem::metrics
