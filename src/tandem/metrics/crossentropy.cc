#include "tandem/metrics/crossentropy.h"

#include "tandem/losses/probabilistic.h"
#include "tandem/metrics/utils.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::metrics {

BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions options)
    : MeanMetricWrapper(
          "BinaryCrossentropy",
          [o = options](const Tensor& y_true, const Tensor& y_pred) {
            return losses::binary_crossentropy(y_true, y_pred, o.from_logits, o.label_smoothing);
          },
          options.name, options.dtype),
      options_(std::move(options)) {}

nlohmann::json BinaryCrossentropy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["from_logits"] = options_.from_logits;
  config["label_smoothing"] = options_.label_smoothing;
  return config;
}

CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions options)
    : MeanMetricWrapper(
          "CategoricalCrossentropy",
          [o = options](const Tensor& y_true, const Tensor& y_pred) {
            return losses::categorical_crossentropy(y_true, y_pred, o.from_logits,
                                                    o.label_smoothing, o.axis);
          },
          options.name, options.dtype),
      options_(std::move(options)) {}

nlohmann::json CategoricalCrossentropy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["from_logits"] = options_.from_logits;
  config["label_smoothing"] = options_.label_smoothing;
  config["axis"] = options_.axis;
  return config;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(
    SparseCategoricalCrossentropyOptions options)
    : MeanMetricWrapper(
          "SparseCategoricalCrossentropy",
          [o = options](const Tensor& y_true, const Tensor& y_pred) {
            return losses::sparse_categorical_crossentropy(y_true, y_pred, o.from_logits, o.axis,
                                                           o.ignore_class);
          },
          options.name, options.dtype),
      options_(std::move(options)) {}

void SparseCategoricalCrossentropy::update_state(const Tensor& y_true, const Tensor& y_pred,
                                                 const std::optional<Tensor>& sample_weight) {
  if (!options_.ignore_class) {
    MeanMetricWrapper::update_state(y_true, y_pred, sample_weight);
    return;
  }
  // Ignored labels weigh 0, so they add to neither total nor count (Keras masks them).
  Tensor labels = detail::cast_to(y_true, dtype());
  if (labels.rank() == y_pred.rank() && labels.rank() > 0 && labels.shape().dim(-1) == 1) {
    labels = squeeze(labels, {-1});
  }
  Tensor keep =
      cast(not_equal(labels, fill(labels.shape(), static_cast<double>(*options_.ignore_class),
                                  dtype(), labels.device())),
           dtype());
  Tensor weight = keep;
  if (sample_weight) {
    weight = keep * detail::broadcast_weight(*sample_weight, keep, dtype(),
                                             detail::describe(class_name(), name()));
  }
  MeanMetricWrapper::update_state(y_true, y_pred, weight);
}

nlohmann::json SparseCategoricalCrossentropy::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["from_logits"] = options_.from_logits;
  config["ignore_class"] =
      options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
  config["axis"] = options_.axis;
  return config;
}

}  // namespace tandem::metrics
