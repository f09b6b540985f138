// SGD (tf.keras.optimizers.SGD): gradient descent with optional (Nesterov) momentum.
//   m = momentum * m - lr * g;  var += m             (nesterov: var += momentum * m - lr * g)
#pragma once

#include "tandem/optimizers/optimizer.h"

namespace tandem::optimizers {

struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;  // in [0, 1]; 0 keeps no "m" slot
  bool nesterov = false;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  static std::shared_ptr<SGD> from_config(const nlohmann::json& config);
  nlohmann::json get_config() const override;

 protected:
  void build_slots(const Variable& var) override;
  void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) override;
  bool fused_rule(double lr, int64_t step, kernels::OptimizerUpdate& u,
                  std::vector<std::string>& slot_names) const override;

 private:
  SGDOptions options_;
};

}  // namespace tandem::optimizers
