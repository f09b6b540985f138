// Adagrad (tf.keras.optimizers.Adagrad, Keras 2.11's rule; epsilon inside the square root):
//   accumulator += g^2;  var -= lr * g / sqrt(accumulator + epsilon)
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  static std::shared_ptr<Adagrad> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;

 private:
  AdagradOptions options_;
};

}  // namespace tandem::optimizers
