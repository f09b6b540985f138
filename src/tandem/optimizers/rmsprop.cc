#include "tandem/optimizers/rmsprop.h"

#include "kernels/common/optimizer_update.h"
#include "tandem/ops/math.h"

namespace tandem::optimizers {

RMSprop::RMSprop(RMSpropOptions options)
    : Optimizer("RMSprop", base_options(options)), options_(std::move(options)) {}

std::shared_ptr<RMSprop> RMSprop::from_config(const nlohmann::json& config) {
  RMSpropOptions o;
  read_common_config(config, o);
  o.rho = config.value("rho", o.rho);
  o.momentum = config.value("momentum", o.momentum);
  o.epsilon = config.value("epsilon", o.epsilon);
  o.centered = config.value("centered", o.centered);
  return std::make_shared<RMSprop>(o);
}

nlohmann::json RMSprop::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["centered"] = options_.centered;
  return config;
}

void RMSprop::build_slots(const Variable& var) {
  add_slot(var, "velocity");
  if (options_.momentum > 0) add_slot(var, "momentum");
  if (options_.centered) add_slot(var, "average_gradient");
}

bool RMSprop::fused_rule(double lr, int64_t /*step*/, kernels::OptimizerUpdate& u,
                         std::vector<std::string>& slot_names) const {
  u.rule = kernels::UpdateRule::kRMSprop;
  u.lr = lr;
  u.rho = options_.rho;
  u.momentum = options_.momentum;
  u.epsilon = options_.epsilon;
  u.centered = options_.centered;
  slot_names = {"velocity"};
  if (options_.momentum > 0) slot_names.push_back("momentum");
  if (options_.centered) slot_names.push_back("average_gradient");
  return true;
}

void RMSprop::update_step(const Tensor& gradient, Variable& var, double lr, int64_t /*step*/) {
  const double rho = options_.rho;
  Variable& velocity = slot(var, "velocity");
  Tensor next = velocity.value() * rho + square(gradient) * (1.0 - rho);
  velocity.assign(next);
  Tensor denominator;
  if (options_.centered) {
    Variable& average = slot(var, "average_gradient");
    next = average.value() * rho + gradient * (1.0 - rho);
    average.assign(next);
    denominator = velocity.value() - square(average.value()) + options_.epsilon;
  } else {
    denominator = velocity.value() + options_.epsilon;
  }
  next = gradient * lr * rsqrt(denominator);
  denominator = Tensor();
  if (options_.momentum > 0) {
    Variable& momentum = slot(var, "momentum");
    next = momentum.value() * options_.momentum + next;
    momentum.assign(next);
    next = Tensor();
    var.assign_sub(momentum.value());
  } else {
    var.assign_sub(next);
  }
}

}  // namespace tandem::optimizers
