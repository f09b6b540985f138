// Adamax (tf.keras.optimizers.Adamax, Keras 2.11's rule), Adam with the infinity norm:
//   m += (g - m) * (1 - beta_1);  u = max(beta_2 * u, |g|)
//   var -= lr * m / ((1 - beta_1^t) * (u + epsilon))
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct AdamaxOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Adamax : public Optimizer {
 public:
  explicit Adamax(AdamaxOptions options = {});
  static std::shared_ptr<Adamax> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;

 private:
  AdamaxOptions options_;
};

}  // namespace tandem::optimizers
