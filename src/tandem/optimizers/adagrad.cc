#include "tandem/optimizers/adagrad.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"

namespace tandem::optimizers {

Adagrad::Adagrad(AdagradOptions options)
    : Optimizer("Adagrad", base_options(options)), options_(std::move(options)) {}

std::shared_ptr<Adagrad> Adagrad::from_config(const nlohmann::json& config) {
  AdagradOptions o;
  read_common_config(config, o);
  o.initial_accumulator_value =
      config.value("initial_accumulator_value", o.initial_accumulator_value);
  o.epsilon = config.value("epsilon", o.epsilon);
  return std::make_shared<Adagrad>(o);
}

nlohmann::json Adagrad::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["initial_accumulator_value"] = options_.initial_accumulator_value;
  config["epsilon"] = options_.epsilon;
  return config;
}

void Adagrad::build_slots(const Variable& var) {
  add_slot(var, "accumulator",
           fill(var.shape(), options_.initial_accumulator_value, var.dtype(), var.device()));
}

void Adagrad::update_step(const Tensor& gradient, Variable& var, double lr, int64_t /*step*/) {
  Variable& accumulator = slot(var, "accumulator");
  Tensor delta = square(gradient);
  accumulator.assign_add(delta);
  delta = gradient * lr / sqrt(accumulator.value() + options_.epsilon);
  var.assign_sub(delta);
}

}  // namespace tandem::optimizers
