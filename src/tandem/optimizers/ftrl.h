// Ftrl (tf.keras.optimizers.Ftrl, Keras 2.11's rule), "Follow The Regularized Leader" with
// p = -learning_rate_power (0.5 by default) and l2' = l2 + beta / (2 * lr):
//   g' = g + 2 * l2_shrinkage * var;  new_accum = accum + g^2
//   linear += g' - (new_accum^p - accum^p) / lr * var
//   quadratic = new_accum^p / lr + 2 * l2'
//   var = (clip(linear, -l1, l1) - linear) / quadratic;  accum = new_accum
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct FtrlOptions {
  LearningRate learning_rate = 0.001;
  double learning_rate_power = -0.5;  // <= 0
  double initial_accumulator_value = 0.1;
  double l1_regularization_strength = 0.0;
  double l2_regularization_strength = 0.0;
  double l2_shrinkage_regularization_strength = 0.0;
  double beta = 0.0;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Ftrl : public Optimizer {
 public:
  explicit Ftrl(FtrlOptions options = {});
  static std::shared_ptr<Ftrl> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;

 private:
  // x ^ (-learning_rate_power), as a square root for the default power.
  Tensor accumulator_power(const Tensor& x) const;

  FtrlOptions options_;
};

}  // namespace tandem::optimizers
