// RMSprop (tf.keras.optimizers.RMSprop, Keras 2.11's rule; epsilon inside the square root):
//   velocity = rho * velocity + (1 - rho) * g^2
//   centered: average_gradient = rho * average_gradient + (1 - rho) * g,
//             denominator = velocity - average_gradient^2 + epsilon
//   otherwise denominator = velocity + epsilon
//   increment = lr * g / sqrt(denominator)
//   momentum > 0: momentum_slot = momentum * momentum_slot + increment; var -= momentum_slot
//   otherwise var -= increment
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  static std::shared_ptr<RMSprop> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;
  bool fused_rule(double lr, int64_t step, kernels::OptimizerUpdate& u,
                  std::vector<std::string>& slot_names) const override;

 private:
  RMSpropOptions options_;
};

}  // namespace tandem::optimizers
