// Nadam (tf.keras.optimizers.Nadam, Keras 2.11's rule): Adam with Nesterov momentum and the
// momentum-cache schedule u_t = beta_1 * (1 - 0.5 * 0.96^t):
//   m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
//   m_hat = u_t * m / (1 - prod_{i<=t} u_i) + (1 - u_t) * g / (1 - prod_{i<=t+1} u_i)
//   v_hat = v / (1 - beta_2^t);  var -= lr * m_hat / (sqrt(v_hat) + epsilon)
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct NadamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Nadam : public Optimizer {
 public:
  explicit Nadam(NadamOptions options = {});
  static std::shared_ptr<Nadam> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;

 private:
  // prod_{i=1..step} u_i, cached for the last step asked (every variable of a step shares it).
  double u_product(int64_t step);

  NadamOptions options_;
  int64_t u_product_step_ = 0;
  double u_product_ = 1.0;
};

}  // namespace tandem::optimizers
