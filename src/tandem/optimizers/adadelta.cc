#include "tandem/optimizers/adadelta.h"

#include "tandem/ops/math.h"

namespace tandem::optimizers {

Adadelta::Adadelta(AdadeltaOptions options)
    : Optimizer("Adadelta", base_options(options)), options_(std::move(options)) {}

std::shared_ptr<Adadelta> Adadelta::from_config(const nlohmann::json& config) {
  AdadeltaOptions o;
  read_common_config(config, o);
  o.rho = config.value("rho", o.rho);
  o.epsilon = config.value("epsilon", o.epsilon);
  return std::make_shared<Adadelta>(o);
}

nlohmann::json Adadelta::get_config() const {
  nlohmann::json config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["epsilon"] = options_.epsilon;
  return config;
}

void Adadelta::build_slots(const Variable& var) {
  add_slot(var, "accumulated_grad");
  add_slot(var, "accumulated_delta_var");
}

void Adadelta::update_step(const Tensor& gradient, Variable& var, double lr, int64_t /*step*/) {
  const double rho = options_.rho;
  const double eps = options_.epsilon;
  Variable& accumulated_grad = slot(var, "accumulated_grad");
  Variable& accumulated_delta = slot(var, "accumulated_delta_var");
  Tensor next = accumulated_grad.value() * rho + square(gradient) * (1.0 - rho);
  accumulated_grad.assign(next);
  // update = -delta (Keras's delta is the negative step); var -= lr * update.
  Tensor update =
      sqrt(accumulated_delta.value() + eps) * gradient / sqrt(accumulated_grad.value() + eps);
  next = accumulated_delta.value() * rho + square(update) * (1.0 - rho);
  accumulated_delta.assign(next);
  next = update * lr;
  var.assign_sub(next);
}

}  // namespace tandem::optimizers
