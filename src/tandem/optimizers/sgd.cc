#include "tandem/optimizers/sgd.h"

#include "kernels/common/optimizer_update.h"
#include "tandem/ops/math.h"

namespace tandem::optimizers {

SGD::SGD(SGDOptions options) : Optimizer("SGD", base_options(options)), options_(options) {
  TANDEM_CHECK(options_.momentum >= 0 && options_.momentum <= 1, ValueError,
               "SGD: `momentum` must be between [0, 1], received ", options_.momentum);
}

std::shared_ptr<SGD> SGD::from_config(const nlohmann::json& config) {
  SGDOptions o;
  read_common_config(config, o);
  o.momentum = config.value("momentum", o.momentum);
  o.nesterov = config.value("nesterov", o.nesterov);
  return std::make_shared<SGD>(o);
}

nlohmann::json SGD::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["momentum"] = options_.momentum;
  config["nesterov"] = options_.nesterov;
  return config;
}

void SGD::build_slots(const Variable& var) {
  // Keras documents the momentum slot as "only set if momentum is not 0"; without it the update
  // is plain var -= lr * g, which saves a buffer and two ops per step.
  if (options_.momentum > 0) add_slot(var, "m");
}

bool SGD::fused_rule(double lr, int64_t /*step*/, kernels::OptimizerUpdate& u,
                     std::vector<std::string>& slot_names) const {
  u.rule = kernels::UpdateRule::kSGD;
  u.lr = lr;
  u.momentum = options_.momentum;
  u.nesterov = options_.nesterov;
  slot_names.clear();
  if (options_.momentum > 0) slot_names.push_back("m");
  return true;
}

void SGD::update_step(const Tensor& gradient, Variable& var, double lr, int64_t /*step*/) {
  Tensor scaled = gradient * lr;
  if (options_.momentum == 0) {
    var.assign_sub(scaled);
    return;
  }
  Variable& m = slot(var, "m");
  Tensor new_m = m.value() * options_.momentum - scaled;
  m.assign(new_m);
  new_m = Tensor();
  if (options_.nesterov) {
    Tensor delta = m.value() * options_.momentum - scaled;
    var.assign_add(delta);
  } else {
    var.assign_add(m.value());
  }
}

}  // namespace tandem::optimizers
