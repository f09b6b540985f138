// The accuracy family (tf.keras.metrics.Accuracy, BinaryAccuracy, CategoricalAccuracy,
// SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy): each is a
// MeanMetricWrapper over a per-example match function. State: total (sum of weighted matches) and
// count (sum of weights), both sums over batches, so a cross-rank sum gives the global accuracy.
#pragma once

#include <string>

#include "tandem/metrics/reduce.h"

namespace tandem::metrics {

// Per-example match functions, as tf.keras.metrics.* functions: 1.0 where the example matches.
// y_true == y_pred element-wise (same shapes).
Tensor accuracy(const Tensor& y_true, const Tensor& y_pred);
// Mean over the last axis of (y_pred > threshold) == y_true.
Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold = 0.5);
// argmax(y_true, -1) == argmax(y_pred, -1).
Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
// y_true (integer labels, shape [batch] or [batch, 1], any numeric dtype) == argmax(y_pred, -1).
Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
// The true class is among the k highest predictions (ties at the boundary count as in, as in
// tf.math.in_top_k).
Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k = 5);
Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k = 5);

struct AccuracyOptions {
  std::string name = "accuracy";
  DType dtype = float32;
};
class Accuracy : public MeanMetricWrapper {
 public:
  explicit Accuracy(AccuracyOptions options = {});
};

struct BinaryAccuracyOptions {
  std::string name = "binary_accuracy";
  DType dtype = float32;
  double threshold = 0.5;
};
class BinaryAccuracy : public MeanMetricWrapper {
 public:
  explicit BinaryAccuracy(BinaryAccuracyOptions options = {});
  nlohmann::json get_config() const override;

 private:
  double threshold_;
};

struct CategoricalAccuracyOptions {
  std::string name = "categorical_accuracy";
  DType dtype = float32;
};
class CategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit CategoricalAccuracy(CategoricalAccuracyOptions options = {});
};

struct SparseCategoricalAccuracyOptions {
  std::string name = "sparse_categorical_accuracy";
  DType dtype = float32;
};
class SparseCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit SparseCategoricalAccuracy(SparseCategoricalAccuracyOptions options = {});
};

struct TopKCategoricalAccuracyOptions {
  int64_t k = 5;
  std::string name = "top_k_categorical_accuracy";
  DType dtype = float32;
};
class TopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions options = {});
  nlohmann::json get_config() const override;

 private:
  int64_t k_;
};

struct SparseTopKCategoricalAccuracyOptions {
  int64_t k = 5;
  std::string name = "sparse_top_k_categorical_accuracy";
  DType dtype = float32;
};
class SparseTopKCategoricalAccuracy : public MeanMetricWrapper {
 public:
  explicit SparseTopKCategoricalAccuracy(SparseTopKCategoricalAccuracyOptions options = {});
  nlohmann::json get_config() const override;

 private:
  int64_t k_;
};

}  // namespace tandem::metrics
