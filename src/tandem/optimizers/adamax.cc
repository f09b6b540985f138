#include "tandem/optimizers/adamax.h"

#include <cmath>

#include "tandem/ops/math.h"

namespace tandem::optimizers {

Adamax::Adamax(AdamaxOptions options)
    : Optimizer("Adamax", base_options(options)), options_(std::move(options)) {}

std::shared_ptr<Adamax> Adamax::from_config(const nlohmann::json& config) {
  AdamaxOptions o;
  read_common_config(config, o);
  o.beta_1 = config.value("beta_1", o.beta_1);
  o.beta_2 = config.value("beta_2", o.beta_2);
  o.epsilon = config.value("epsilon", o.epsilon);
  return std::make_shared<Adamax>(o);
}

nlohmann::json Adamax::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  return config;
}

void Adamax::build_slots(const Variable& var) {
  add_slot(var, "m");
  add_slot(var, "u");
}

void Adamax::update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) {
  const double bias_correction = 1.0 - std::pow(options_.beta_1, static_cast<double>(step));
  Variable& m = slot(var, "m");
  Variable& u = slot(var, "u");
  Tensor delta = (gradient - m.value()) * (1.0 - options_.beta_1);
  m.assign_add(delta);
  delta = maximum(u.value() * options_.beta_2, abs(gradient));
  u.assign(delta);
  delta = m.value() * (lr / bias_correction) / (u.value() + options_.epsilon);
  var.assign_sub(delta);
}

}  // namespace tandem::optimizers
