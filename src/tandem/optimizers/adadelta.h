// Adadelta (tf.keras.optimizers.Adadelta, Keras 2.11's rule), with rms(x) = sqrt(x + epsilon):
//   accumulated_grad = rho * accumulated_grad + (1 - rho) * g^2
//   delta = -rms(accumulated_delta_var) * g / rms(accumulated_grad)
//   accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta^2
//   var += lr * delta
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct AdadeltaOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.95;
  double epsilon = 1e-7;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Adadelta : public Optimizer {
 public:
  explicit Adadelta(AdadeltaOptions options = {});
  static std::shared_ptr<Adadelta> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;

 private:
  AdadeltaOptions options_;
};

}  // namespace tandem::optimizers
