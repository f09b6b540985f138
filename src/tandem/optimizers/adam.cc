#include "tandem/optimizers/adam.h"

#include <cmath>

#include "kernels/common/optimizer_update.h"
#include "tandem/ops/math.h"

namespace tandem::optimizers {

Adam::Adam(AdamOptions options) : Adam("Adam", std::move(options)) {}

Adam::Adam(std::string class_name, AdamOptions options)
    : Optimizer(std::move(class_name), base_options(options)), options_(std::move(options)) {}

void Adam::read_config(const nlohmann::json& config, AdamOptions& o) {
  read_common_config(config, o);
  o.beta_1 = config.value("beta_1", o.beta_1);
  o.beta_2 = config.value("beta_2", o.beta_2);
  o.epsilon = config.value("epsilon", o.epsilon);
  o.amsgrad = config.value("amsgrad", o.amsgrad);
}

std::shared_ptr<Adam> Adam::from_config(const nlohmann::json& config) {
  AdamOptions o;
  read_config(config, o);
  return std::make_shared<Adam>(o);
}

nlohmann::json Adam::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  config["amsgrad"] = options_.amsgrad;
  return config;
}

void Adam::build_slots(const Variable& var) {
  add_slot(var, "m");
  add_slot(var, "v");
  if (options_.amsgrad) add_slot(var, "vhat");
}

double Adam::alpha(double lr, int64_t step) const {
  const double t = static_cast<double>(step);
  return lr * std::sqrt(1.0 - std::pow(options_.beta_2, t)) / (1.0 - std::pow(options_.beta_1, t));
}

bool Adam::fused_rule(double lr, int64_t step, kernels::OptimizerUpdate& u,
                      std::vector<std::string>& slot_names) const {
  u.rule = kernels::UpdateRule::kAdam;
  u.alpha = alpha(lr, step);
  u.beta_1 = options_.beta_1;
  u.beta_2 = options_.beta_2;
  u.epsilon = options_.epsilon;
  u.amsgrad = options_.amsgrad;
  slot_names = {"m", "v"};
  if (options_.amsgrad) slot_names.push_back("vhat");
  return true;
}

void Adam::update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) {
  const double alpha = this->alpha(lr, step);
  Variable& m = slot(var, "m");
  Variable& v = slot(var, "v");
  // Each delta is its own statement so that no snapshot of a slot is alive while it is updated
  // (a live snapshot would force a copy-on-write).
  Tensor delta = (gradient - m.value()) * (1.0 - options_.beta_1);
  m.assign_add(delta);
  delta = (square(gradient) - v.value()) * (1.0 - options_.beta_2);
  v.assign_add(delta);
  Variable* second_moment = &v;
  if (options_.amsgrad) {
    Variable& vhat = slot(var, "vhat");
    delta = maximum(vhat.value(), v.value());
    vhat.assign(delta);
    second_moment = &vhat;
  }
  delta = m.value() * alpha / (sqrt(second_moment->value()) + options_.epsilon);
  var.assign_sub(delta);
}

}  // namespace tandem::optimizers
