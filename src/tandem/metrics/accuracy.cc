#include "tandem/metrics/accuracy.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::metrics {
namespace {

// Integer class labels from y_true: a trailing dimension of 1 matching y_pred's rank is dropped.
Tensor sparse_labels(const Tensor& y_true, const Tensor& y_pred) {
  if (y_true.rank() == y_pred.rank() && y_true.rank() > 0 && y_true.shape().dim(-1) == 1) {
    return squeeze(y_true, {-1});
  }
  return y_true;
}

void check_rank(const Tensor& x) {
  TANDEM_CHECK(x.rank() >= 1, ValueError,
               "categorical metrics expected predictions of rank >= 1, received shape ",
               x.shape().to_string());
}

Tensor argmax_last(const Tensor& x) {
  check_rank(x);
  return argmax(x, x.rank() - 1);
}

void check_k(int64_t k) {
  TANDEM_CHECK(k >= 1, ValueError, "top-k accuracy expected k >= 1, received ", k);
}

}  // namespace

Tensor accuracy(const Tensor& y_true, const Tensor& y_pred) {
  TANDEM_CHECK(y_true.shape() == y_pred.shape(), ValueError,
               "accuracy expected y_true and y_pred of the same shape, received ",
               y_true.shape().to_string(), " and ", y_pred.shape().to_string());
  Tensor pred = y_pred.dtype() == y_true.dtype() ? y_pred : cast(y_pred, y_true.dtype());
  return cast(equal(y_true, pred), float32);
}

Tensor binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold) {
  Tensor pred = cast(y_pred > threshold, y_true.dtype());
  Tensor matches = cast(equal(y_true, pred), float32);
  if (matches.rank() == 0) return matches;
  return reduce_mean(matches, {.axis = std::vector<int64_t>{matches.rank() - 1}});
}

Tensor categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  return sparse_categorical_accuracy(argmax_last(y_true), y_pred);
}

Tensor sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  Tensor labels = sparse_labels(y_true, y_pred);
  Tensor pred = cast(argmax_last(y_pred), labels.dtype());
  return cast(equal(labels, pred), float32);
}

Tensor top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k) {
  return sparse_top_k_categorical_accuracy(argmax_last(y_true), y_pred, k);
}

Tensor sparse_top_k_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k) {
  check_k(k);
  check_rank(y_pred);
  Tensor labels = sparse_labels(y_true, y_pred);
  const int64_t classes = y_pred.shape().dim(-1);
  const int64_t rows = labels.num_elements();
  TANDEM_CHECK(rows * classes == y_pred.num_elements(), ValueError,
               "top-k accuracy expected one label per row of predictions, received labels ",
               y_true.shape().to_string(), " and predictions ", y_pred.shape().to_string());
  Tensor pred = reshape(y_pred, Shape{rows, classes});
  Tensor flat = cast(reshape(labels, Shape{rows}), int64);
  // in_top_k: fewer than k classes score strictly higher than the true class.
  Tensor target = gather(pred, flat, {.axis = 1, .batch_dims = 1});
  Tensor higher =
      reduce_sum(cast(pred > expand_dims(target, 1), int64), {.axis = std::vector<int64_t>{1}});
  Tensor in_top = less(higher, fill({}, static_cast<double>(k), int64, higher.device()));
  return reshape(cast(in_top, float32), labels.shape());
}

Accuracy::Accuracy(AccuracyOptions options)
    : MeanMetricWrapper("Accuracy", accuracy, std::move(options.name), options.dtype) {}

BinaryAccuracy::BinaryAccuracy(BinaryAccuracyOptions options)
    : MeanMetricWrapper(
          "BinaryAccuracy",
          [t = options.threshold](const Tensor& y_true, const Tensor& y_pred) {
            return binary_accuracy(y_true, y_pred, t);
          },
          std::move(options.name), options.dtype),
      threshold_(options.threshold) {}

nlohmann::json BinaryAccuracy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["threshold"] = threshold_;
  return config;
}

CategoricalAccuracy::CategoricalAccuracy(CategoricalAccuracyOptions options)
    : MeanMetricWrapper("CategoricalAccuracy", categorical_accuracy, std::move(options.name),
                        options.dtype) {}

SparseCategoricalAccuracy::SparseCategoricalAccuracy(SparseCategoricalAccuracyOptions options)
    : MeanMetricWrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                        std::move(options.name), options.dtype) {}

TopKCategoricalAccuracy::TopKCategoricalAccuracy(TopKCategoricalAccuracyOptions options)
    : MeanMetricWrapper(
          "TopKCategoricalAccuracy",
          [k = options.k](const Tensor& y_true, const Tensor& y_pred) {
            return top_k_categorical_accuracy(y_true, y_pred, k);
          },
          std::move(options.name), options.dtype),
      k_(options.k) {
  check_k(k_);
}

nlohmann::json TopKCategoricalAccuracy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["k"] = k_;
  return config;
}

SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(
    SparseTopKCategoricalAccuracyOptions options)
    : MeanMetricWrapper(
          "SparseTopKCategoricalAccuracy",
          [k = options.k](const Tensor& y_true, const Tensor& y_pred) {
            return sparse_top_k_categorical_accuracy(y_true, y_pred, k);
          },
          std::move(options.name), options.dtype),
      k_(options.k) {
  check_k(k_);
}

nlohmann::json SparseTopKCategoricalAccuracy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["k"] = k_;
  return config;
}

}  // namespace tandem::metrics
