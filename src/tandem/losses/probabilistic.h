// Probabilistic losses (tf.keras.losses): binary / categorical / sparse categorical cross-entropy,
// Kullback-Leibler divergence and Poisson. Probabilities are clipped to [1e-7, 1 - 1e-7] (Keras's
// epsilon) unless from_logits, in which case the fused, numerically stable ops are used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tandem/losses/loss.h"

namespace tandem::losses {

struct BinaryCrossentropyOptions {
  bool from_logits = false;    // y_pred holds logits rather than probabilities
  double label_smoothing = 0;  // in [0, 1]: y_true * (1 - ls) + 0.5 * ls
  int64_t axis = -1;           // the axis the mean is taken over
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: "binary_crossentropy"
};

class BinaryCrossentropy : public Loss {
 public:
  explicit BinaryCrossentropy(BinaryCrossentropyOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  nlohmann::json get_config() const override;

 private:
  bool from_logits_;
  double label_smoothing_;
  int64_t axis_;
};

struct CategoricalCrossentropyOptions {
  bool from_logits = false;    // y_pred holds logits rather than probabilities
  double label_smoothing = 0;  // in [0, 1]: y_true * (1 - ls) + ls / num_classes
  int64_t axis = -1;           // the class axis
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: "categorical_crossentropy"
};

// One-hot (or soft) labels. On probabilities, y_pred is first renormalised to sum to 1 over the
// class axis, as Keras does.
class CategoricalCrossentropy : public Loss {
 public:
  explicit CategoricalCrossentropy(CategoricalCrossentropyOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  nlohmann::json get_config() const override;

 private:
  bool from_logits_;
  double label_smoothing_;
  int64_t axis_;
};

struct SparseCategoricalCrossentropyOptions {
  bool from_logits = false;
  // Labels equal to it contribute no loss, and the sum_over_batch_size mean is over the others
  // (e.g. a padding class in segmentation).
  std::optional<int64_t> ignore_class = std::nullopt;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: "sparse_categorical_crossentropy"
};

// Integer class labels of shape y_pred.shape[:-1] (or that with a trailing 1), any int or float
// dtype; y_pred [..., num_classes].
class SparseCategoricalCrossentropy : public Loss {
 public:
  explicit SparseCategoricalCrossentropy(SparseCategoricalCrossentropyOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
  nlohmann::json get_config() const override;

 protected:
  std::optional<Tensor> valid_mask(const Tensor& y_true, const Tensor& y_pred) const override;

 private:
  bool from_logits_;
  std::optional<int64_t> ignore_class_;
};

// sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [1e-7, 1].
class KLDivergence : public Loss {
 public:
  explicit KLDivergence(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)
class Poisson : public Loss {
 public:
  explicit Poisson(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// Functional forms: per-example losses.
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0, int64_t axis = -1);
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                bool from_logits = false, double label_smoothing = 0,
                                int64_t axis = -1);
// Ignored labels get a loss of 0.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred,
                                       bool from_logits = false, int64_t axis = -1,
                                       std::optional<int64_t> ignore_class = std::nullopt);
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred);
Tensor poisson(const Tensor& y_true, const Tensor& y_pred);

}  // namespace tandem::losses
