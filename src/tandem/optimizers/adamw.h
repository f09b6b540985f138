// AdamW (tf.keras.optimizers.AdamW): Adam with decoupled weight decay, applied by the base before
// the update as var -= var * weight_decay * lr. weight_decay is required (default 0.004).
#pragma once

#include "tandem/optimizers/adam.h"

namespace tandem::optimizers {

struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(0.004);
};

class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});
  static std::shared_ptr<AdamW> from_config(const nlohmann::json& config);
};

}  // namespace tandem::optimizers
