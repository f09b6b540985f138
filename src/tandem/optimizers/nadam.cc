#include "tandem/optimizers/nadam.h"

#include <cmath>

#include "tandem/ops/math.h"

namespace tandem::optimizers {

namespace {
// Dozat's momentum schedule, with Keras's decay base 0.96.
double momentum_cache(double beta_1, int64_t step) {
  return beta_1 * (1.0 - 0.5 * std::pow(0.96, static_cast<double>(step)));
}
}  // namespace

Nadam::Nadam(NadamOptions options)
    : Optimizer("Nadam", base_options(options)), options_(std::move(options)) {}

std::shared_ptr<Nadam> Nadam::from_config(const nlohmann::json& config) {
  NadamOptions o;
  read_common_config(config, o);
  o.beta_1 = config.value("beta_1", o.beta_1);
  o.beta_2 = config.value("beta_2", o.beta_2);
  o.epsilon = config.value("epsilon", o.epsilon);
  return std::make_shared<Nadam>(o);
}

nlohmann::json Nadam::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  return config;
}

void Nadam::build_slots(const Variable& var) {
  add_slot(var, "m");
  add_slot(var, "v");
}

double Nadam::u_product(int64_t step) {
  // Keras keeps the running product in a variable; it is a function of the step alone, so it is
  // recomputed from scratch when the step jumps (a restored checkpoint) and extended otherwise.
  if (step < u_product_step_) {
    u_product_step_ = 0;
    u_product_ = 1.0;
  }
  for (; u_product_step_ < step; ++u_product_step_) {
    u_product_ *= momentum_cache(options_.beta_1, u_product_step_ + 1);
  }
  return u_product_;
}

void Nadam::update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) {
  const double beta_1 = options_.beta_1;
  const double beta_2 = options_.beta_2;
  const double u_t = momentum_cache(beta_1, step);
  const double u_next = momentum_cache(beta_1, step + 1);
  const double u_product_t = u_product(step);
  const double u_product_next = u_product_t * u_next;
  const double beta_2_power = std::pow(beta_2, static_cast<double>(step));

  Variable& m = slot(var, "m");
  Variable& v = slot(var, "v");
  Tensor delta = (gradient - m.value()) * (1.0 - beta_1);
  m.assign_add(delta);
  delta = (square(gradient) - v.value()) * (1.0 - beta_2);
  v.assign_add(delta);
  Tensor m_hat =
      m.value() * (u_t / (1.0 - u_product_t)) + gradient * ((1.0 - u_t) / (1.0 - u_product_next));
  // lr * m_hat / (sqrt(v / (1 - beta_2^t)) + eps), with the bias correction folded into scalars.
  delta = m_hat * lr / (sqrt(v.value() * (1.0 / (1.0 - beta_2_power))) + options_.epsilon);
  var.assign_sub(delta);
}

}  // namespace tandem::optimizers
