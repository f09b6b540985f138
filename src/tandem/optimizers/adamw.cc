#include "tandem/optimizers/adamw.h"

namespace tandem::optimizers {

namespace {

AdamOptions as_adam_options(const AdamWOptions& o) {
  TANDEM_CHECK(o.weight_decay.has_value(), ValueError,
               "AdamW: missing value of `weight_decay`, which is required and must be a number");
  AdamOptions a{.learning_rate = o.learning_rate,
                .beta_1 = o.beta_1,
                .beta_2 = o.beta_2,
                .epsilon = o.epsilon,
                .amsgrad = o.amsgrad};
  a.clipnorm = o.clipnorm;
  a.clipvalue = o.clipvalue;
  a.global_clipnorm = o.global_clipnorm;
  a.weight_decay = o.weight_decay;
  a.name = o.name;
  return a;
}

}  // namespace

AdamW::AdamW(AdamWOptions options) : Adam("AdamW", as_adam_options(options)) {}

std::shared_ptr<AdamW> AdamW::from_config(const nlohmann::json& config) {
  AdamOptions a{.weight_decay = AdamWOptions{}.weight_decay};
  read_config(config, a);
  AdamWOptions o{.learning_rate = a.learning_rate,
                 .beta_1 = a.beta_1,
                 .beta_2 = a.beta_2,
                 .epsilon = a.epsilon,
                 .amsgrad = a.amsgrad};
  o.clipnorm = a.clipnorm;
  o.clipvalue = a.clipvalue;
  o.global_clipnorm = a.global_clipnorm;
  o.weight_decay = a.weight_decay;
  o.name = a.name;
  return std::make_shared<AdamW>(o);
}

}  // namespace tandem::optimizers
