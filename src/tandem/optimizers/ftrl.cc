#include "tandem/optimizers/ftrl.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"

namespace tandem::optimizers {

namespace {
void check_non_negative(const char* what, double value) {
  TANDEM_CHECK(value >= 0, ValueError, "Ftrl: `", what,
               "` needs to be positive or zero. Received: ", what, "=", value);
}
}  // namespace

Ftrl::Ftrl(FtrlOptions options)
    : Optimizer("Ftrl", base_options(options)), options_(std::move(options)) {
  check_non_negative("initial_accumulator_value", options_.initial_accumulator_value);
  TANDEM_CHECK(options_.learning_rate_power <= 0, ValueError,
               "Ftrl: `learning_rate_power` needs to be negative or zero. Received: "
               "learning_rate_power=",
               options_.learning_rate_power);
  check_non_negative("l1_regularization_strength", options_.l1_regularization_strength);
  check_non_negative("l2_regularization_strength", options_.l2_regularization_strength);
  check_non_negative("l2_shrinkage_regularization_strength",
                     options_.l2_shrinkage_regularization_strength);
}

std::shared_ptr<Ftrl> Ftrl::from_config(const nlohmann::json& config) {
  FtrlOptions o;
  read_common_config(config, o);
  o.learning_rate_power = config.value("learning_rate_power", o.learning_rate_power);
  o.initial_accumulator_value =
      config.value("initial_accumulator_value", o.initial_accumulator_value);
  o.l1_regularization_strength =
      config.value("l1_regularization_strength", o.l1_regularization_strength);
  o.l2_regularization_strength =
      config.value("l2_regularization_strength", o.l2_regularization_strength);
  o.l2_shrinkage_regularization_strength =
      config.value("l2_shrinkage_regularization_strength", o.l2_shrinkage_regularization_strength);
  o.beta = config.value("beta", o.beta);
  return std::make_shared<Ftrl>(o);
}

nlohmann::json Ftrl::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["learning_rate_power"] = options_.learning_rate_power;
  config["initial_accumulator_value"] = options_.initial_accumulator_value;
  config["l1_regularization_strength"] = options_.l1_regularization_strength;
  config["l2_regularization_strength"] = options_.l2_regularization_strength;
  config["l2_shrinkage_regularization_strength"] = options_.l2_shrinkage_regularization_strength;
  config["beta"] = options_.beta;
  return config;
}

void Ftrl::build_slots(const Variable& var) {
  add_slot(var, "accumulator",
           fill(var.shape(), options_.initial_accumulator_value, var.dtype(), var.device()));
  add_slot(var, "linear");
}

Tensor Ftrl::accumulator_power(const Tensor& x) const {
  double p = -options_.learning_rate_power;
  if (p == 0.5) return sqrt(x);
  return pow(x, fill(Shape{}, p, x.dtype(), x.device()));
}

void Ftrl::update_step(const Tensor& gradient, Variable& var, double lr, int64_t /*step*/) {
  const double l1 = options_.l1_regularization_strength;
  const double l2 = options_.l2_regularization_strength + options_.beta / (2.0 * lr);
  const double shrinkage = options_.l2_shrinkage_regularization_strength;
  Variable& accumulator = slot(var, "accumulator");
  Variable& linear = slot(var, "linear");

  Tensor grad_to_use = shrinkage > 0 ? gradient + var.value() * (2.0 * shrinkage) : gradient;
  Tensor new_accumulator = accumulator.value() + square(gradient);
  Tensor new_power = accumulator_power(new_accumulator);
  Tensor delta =
      grad_to_use - (new_power - accumulator_power(accumulator.value())) / lr * var.value();
  linear.assign_add(delta);
  Tensor quadratic = new_power / lr + 2.0 * l2;
  delta = (clip_by_value(linear.value(), -l1, l1) - linear.value()) / quadratic;
  var.assign(delta);
  accumulator.assign(new_accumulator);
}

}  // namespace tandem::optimizers
