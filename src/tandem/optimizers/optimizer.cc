#include "tandem/optimizers/optimizer.h"

#include <cmath>
#include <limits>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/join.h"
#include "tandem/distributed/strategy.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::optimizers {

namespace {

using json = nlohmann::json;

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::optional<double> optional_from(const json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  return config[key].get<double>();
}

void check_positive(const char* what, const std::optional<double>& v) {
  TANDEM_CHECK(!v || *v >= 0, ValueError, "Optimizer: ", what, " must be >= 0, received ", *v);
}

}  // namespace

void read_common_config(const json& config, OptimizerOptions& o) {
  if (config.contains("learning_rate")) {
    const json& lr = config["learning_rate"];
    if (lr.is_object()) {
      o.learning_rate = deserialize_schedule(lr);
    } else {
      o.learning_rate = lr.get<double>();
    }
  }
  o.clipnorm = optional_from(config, "clipnorm");
  o.clipvalue = optional_from(config, "clipvalue");
  o.global_clipnorm = optional_from(config, "global_clipnorm");
  if (config.contains("weight_decay")) o.weight_decay = optional_from(config, "weight_decay");
  if (config.contains("name") && config["name"].is_string()) o.name = config["name"];
  TANDEM_CHECK(!config.value("use_ema", false), ValueError,
               "Optimizer: use_ema=True (exponential moving average of the weights) is not "
               "supported, received config ",
               config.dump());
}

Optimizer::Optimizer(std::string class_name, OptimizerOptions options)
    : class_name_(std::move(class_name)),
      name_(options.name.empty() ? class_name_ : options.name),
      options_(std::move(options)) {
  TANDEM_CHECK(!(options_.clipnorm && options_.global_clipnorm), ValueError,
               "At most one of `clipnorm` and `global_clipnorm` can be set. Received: clipnorm=",
               *options_.clipnorm, ", global_clipnorm=", *options_.global_clipnorm);
  check_positive("clipnorm", options_.clipnorm);
  check_positive("clipvalue", options_.clipvalue);
  check_positive("global_clipnorm", options_.global_clipnorm);
  iterations_ =
      Variable(zeros(Shape{}, int64, Device::cpu()), {.name = "iteration", .trainable = false});
}

double Optimizer::learning_rate() const {
  if (const auto* schedule = std::get_if<SchedulePtr>(&options_.learning_rate)) {
    return (**schedule)(iterations_.value().item<int64_t>());
  }
  return std::get<double>(options_.learning_rate);
}

void Optimizer::set_learning_rate(double value) {
  TANDEM_CHECK(!has_schedule(), TypeError,
               "This optimizer was created with a `LearningRateSchedule` object as its "
               "`learning_rate` constructor argument, hence its learning rate is not settable. "
               "Received: learning_rate=",
               value);
  options_.learning_rate = value;
}

bool Optimizer::has_schedule() const {
  return std::holds_alternative<SchedulePtr>(options_.learning_rate);
}

std::vector<Variable> Optimizer::variables() const {
  std::vector<Variable> out{iterations_};
  out.insert(out.end(), slot_order_.begin(), slot_order_.end());
  return out;
}

json Optimizer::get_config() const {
  json lr;
  if (has_schedule()) {
    lr = serialize(*std::get<SchedulePtr>(options_.learning_rate));
  } else {
    lr = std::get<double>(options_.learning_rate);
  }
  return {{"name", name_},
          {"learning_rate", lr},
          {"weight_decay", optional_json(options_.weight_decay)},
          {"clipnorm", optional_json(options_.clipnorm)},
          {"global_clipnorm", optional_json(options_.global_clipnorm)},
          {"clipvalue", optional_json(options_.clipvalue)},
          {"use_ema", false},
          {"ema_momentum", 0.99},
          {"ema_overwrite_frequency", nullptr},
          {"jit_compile", false},
          {"is_legacy_optimizer", false}};
}

void Optimizer::build_once(const Variable& var) {
  if (built_.emplace(var.id(), true).second) build_slots(var);
}

void Optimizer::build(const std::vector<Variable>& var_list) {
  autodiff::PauseAllTapes no_recording;
  for (const Variable& v : var_list) {
    TANDEM_CHECK(v.defined(), ValueError, class_name_, ".build: received an undefined variable");
    build_once(v);
  }
}

Variable Optimizer::add_slot(const Variable& var, const std::string& slot_name,
                             std::optional<Tensor> initial) {
  auto key = std::make_pair(var.id(), slot_name);
  TANDEM_CHECK(slots_.find(key) == slots_.end(), ValueError, class_name_, ": slot '", slot_name,
               "' already exists for variable '", var.name(), "'");
  Tensor init = initial ? *initial : zeros(var.shape(), var.dtype(), var.device());
  Variable slot_var(init, {.name = slot_name + "/" + var.name(), .trainable = false});
  TANDEM_CHECK(slot_var.shape() == var.shape() && slot_var.dtype() == var.dtype(), ValueError,
               class_name_, ": slot '", slot_name, "' for variable '", var.name(),
               "' must match its shape and dtype");
  slots_.emplace(key, slot_var);
  slot_order_.push_back(slot_var);
  return slot_var;
}

Variable& Optimizer::slot(const Variable& var, const std::string& slot_name) {
  auto it = slots_.find(std::make_pair(var.id(), slot_name));
  TANDEM_CHECK(it != slots_.end(), ValueError, class_name_, ": no slot '", slot_name,
               "' for variable '", var.name(), "'");
  return it->second;
}

std::vector<GradientAndVariable> Optimizer::clip(
    const std::vector<GradientAndVariable>& pairs) const {
  // As Keras: clipnorm, else global_clipnorm, else clipvalue; at most one of them applies.
  std::vector<GradientAndVariable> out = pairs;
  if (options_.clipnorm && *options_.clipnorm > 0) {
    for (auto& [g, v] : out) g = clip_by_norm(*g, *options_.clipnorm);
    return out;
  }
  if (options_.global_clipnorm && *options_.global_clipnorm > 0) {
    // tf.clip_by_global_norm: scale every gradient by clip / max(global norm, clip); a non-finite
    // norm makes every gradient NaN. One host read for all the gradients.
    Tensor total = zeros(Shape{}, float64, out.front().first->device());
    for (const auto& [g, v] : out) total = total + cast(reduce_sum(square(*g)), float64);
    double norm = std::sqrt(total.item<double>());
    double clip_norm = *options_.global_clipnorm;
    if (!std::isfinite(norm)) {
      for (auto& [g, v] : out) *g = *g * std::numeric_limits<double>::quiet_NaN();
    } else if (norm > clip_norm) {
      for (auto& [g, v] : out) *g = *g * (clip_norm / norm);
    }
    return out;
  }
  if (options_.clipvalue && *options_.clipvalue > 0) {
    double c = *options_.clipvalue;
    for (auto& [g, v] : out) g = clip_by_value(*g, -c, c);
  }
  return out;
}

void Optimizer::apply_gradients(const std::vector<GradientAndVariable>& grads_and_vars) {
  // Optimizer updates are never differentiated: pause every tape on this thread.
  autodiff::PauseAllTapes no_recording;

  for (const auto& [g, v] : grads_and_vars)
    TANDEM_CHECK(v.defined(), ValueError, class_name_,
                 ".apply_gradients: received an undefined variable");
  // Under data parallelism the gradients to apply are the replicas' average (DESIGN section 4);
  // the default strategy hands them back unchanged.
  std::vector<std::optional<Tensor>> local;
  std::vector<Variable> vars;
  for (const auto& [g, v] : grads_and_vars) local.push_back(g), vars.push_back(v);
  std::vector<std::optional<Tensor>> grads =
      distributed::get_strategy().aggregate_gradients(local, vars);
  std::vector<GradientAndVariable> pairs;
  pairs.reserve(grads_and_vars.size());
  for (size_t i = 0; i < vars.size(); ++i)
    if (grads[i] && grads[i]->defined()) pairs.emplace_back(grads[i], vars[i]);
  if (pairs.empty()) {
    std::string names =
        join(grads_and_vars, [](const auto& p) -> const std::string& { return p.second.name(); });
    throw ValueError("No gradients provided for any variable: [" + names + "]");
  }
  for (const auto& [g, v] : pairs) {
    TANDEM_CHECK(g->shape() == v.shape(), ValueError, class_name_,
                 ".apply_gradients: the gradient for variable '", v.name(), "' has shape ",
                 g->shape().to_list_string(), ", expected the variable's shape ",
                 v.shape().to_list_string());
    TANDEM_CHECK(g->dtype() == v.dtype(), ValueError, class_name_,
                 ".apply_gradients: the gradient for variable '", v.name(), "' has dtype ",
                 dtype_name(g->dtype()), ", expected the variable's dtype ", dtype_name(v.dtype()));
  }
  for (const auto& [g, v] : pairs) build_once(v);

  pairs = clip(pairs);
  double lr = learning_rate();
  int64_t step = iterations_.value().item<int64_t>() + 1;
  if (options_.weight_decay) {
    double decay = lr * *options_.weight_decay;
    for (auto& [g, v] : pairs) {
      Tensor delta = v.value() * decay;  // its own statement: no snapshot outlives it
      v.assign_sub(delta);
    }
  }
  for (auto& [g, v] : pairs) update_step(*g, v, lr, step);
  iterations_.assign(constant(Literal(step), int64).to(iterations_.device()));
}

void Optimizer::apply_gradients(const std::vector<std::optional<Tensor>>& grads,
                                const std::vector<Variable>& vars) {
  TANDEM_CHECK(grads.size() == vars.size(), ValueError, class_name_, ".apply_gradients: received ",
               grads.size(), " gradients for ", vars.size(), " variables");
  std::vector<GradientAndVariable> pairs;
  pairs.reserve(vars.size());
  for (size_t i = 0; i < vars.size(); ++i) pairs.emplace_back(grads[i], vars[i]);
  apply_gradients(pairs);
}

}  // namespace tandem::optimizers
