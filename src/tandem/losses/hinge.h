// Hinge losses (tf.keras.losses) for maximum-margin classifiers. Hinge and SquaredHinge expect
// labels in {-1, 1}; labels given in {0, 1} are converted to {-1, 1} first, as Keras does.
#pragma once

#include "tandem/losses/loss.h"

namespace tandem::losses {

// mean(max(1 - y_true * y_pred, 0), axis=-1)
class Hinge : public Loss {
 public:
  explicit Hinge(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// mean(max(1 - y_true * y_pred, 0)^2, axis=-1)
class SquaredHinge : public Loss {
 public:
  explicit SquaredHinge(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) over the last axis, for one-hot
// y_true (no label conversion).
class CategoricalHinge : public Loss {
 public:
  explicit CategoricalHinge(LossOptions options = {});
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override;
};

// Functional forms: per-example losses.
Tensor hinge(const Tensor& y_true, const Tensor& y_pred);
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred);
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred);

}  // namespace tandem::losses
