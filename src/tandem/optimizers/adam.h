// Adam (tf.keras.optimizers.Adam, Keras 2.11's rule):
//   m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2)
//   var -= m * lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) / (sqrt(v) + epsilon)
// With amsgrad, v is replaced by vhat = max(vhat, v) in the last line.
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  static std::shared_ptr<Adam> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  // For AdamW, which shares the rule.
  Adam(std::string class_name, AdamOptions options);
  // Reads Adam's hyperparameters (and the common fields) from a config into `o`.
  static void read_config(const nlohmann::json& config, AdamOptions& o);
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;
  bool fused_rule(double lr, int64_t step, kernels::OptimizerUpdate& u,
                  std::vector<std::string>& slot_names) const override;

 private:
  // The bias-corrected step size of update `step`.
  double alpha(double lr, int64_t step) const;
  AdamOptions options_;
};

}  // namespace tandem::optimizers
