// Crossentropy metrics (tf.keras.metrics.BinaryCrossentropy, CategoricalCrossentropy,
// SparseCategoricalCrossentropy): MeanMetricWrappers over the per-example losses of
// tandem/losses. State: total and count, sums over batches, so a cross-rank sum followed by
// result() gives the global mean loss.
#pragma once

#include <optional>
#include <string>

#include "tandem/metrics/reduce.h"

namespace tandem::metrics {

struct BinaryCrossentropyOptions {
  std::string name = "binary_crossentropy";
  DType dtype = float32;
  bool from_logits = false;
  double label_smoothing = 0;
};
class BinaryCrossentropy : public MeanMetricWrapper {
 public:
  explicit BinaryCrossentropy(BinaryCrossentropyOptions options = {});
  nlohmann::json get_config() const override;

 private:
  BinaryCrossentropyOptions options_;
};

struct CategoricalCrossentropyOptions {
  std::string name = "categorical_crossentropy";
  DType dtype = float32;
  bool from_logits = false;
  double label_smoothing = 0;
  int64_t axis = -1;
};
class CategoricalCrossentropy : public MeanMetricWrapper {
 public:
  explicit CategoricalCrossentropy(CategoricalCrossentropyOptions options = {});
  nlohmann::json get_config() const override;

 private:
  CategoricalCrossentropyOptions options_;
};

struct SparseCategoricalCrossentropyOptions {
  std::string name = "sparse_categorical_crossentropy";
  DType dtype = float32;
  bool from_logits = false;
  // Examples with this label are left out of the mean (neither total nor count), as Keras's mask.
  std::optional<int64_t> ignore_class = std::nullopt;
  int64_t axis = -1;
};
class SparseCategoricalCrossentropy : public MeanMetricWrapper {
 public:
  explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  nlohmann::json get_config() const override;

 private:
  SparseCategoricalCrossentropyOptions options_;
};

}  // namespace tandem::metrics
