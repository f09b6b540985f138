#include "tandem/optimizers/optimizer.h"

#include <cmath>
#include <limits>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/join.h"
#include "tandem/distributed/strategy.h"
#include "tandem/ops/clip.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/training_ops.h"

namespace tandem::optimizers {

namespace {

using json = nlohmann::json;

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::optional<double> optional_from(const json& config, const char* key) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  return config[key].get<double>();
}

[[noreturn]] void throw_no_gradients(const std::vector<Variable>& vars) {
  std::string names = join(vars, [](const Variable& v) -> const std::string& { return v.name(); });
  throw ValueError("No gradients provided for any variable: [" + names + "]");
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
  if (config.contains("gradient_accumulation_steps")) {
    const json& k = config["gradient_accumulation_steps"];
    if (k.is_null()) {
      o.gradient_accumulation_steps = std::nullopt;
    } else {
      TANDEM_CHECK(k.is_number_integer(), ValueError,
                   "Optimizer: `gradient_accumulation_steps` must be an integer or null, received ",
                   k.dump());
      o.gradient_accumulation_steps = k.get<int64_t>();
    }
  }
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
  // As Keras 3: unset (or 0) accumulates nothing; otherwise at least 2.
  if (options_.gradient_accumulation_steps && *options_.gradient_accumulation_steps != 0) {
    TANDEM_CHECK(*options_.gradient_accumulation_steps >= 2, ValueError,
                 "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                 "gradient_accumulation_steps=",
                 *options_.gradient_accumulation_steps);
    accumulation_steps_ = *options_.gradient_accumulation_steps;
  }
  iterations_ =
      Variable(zeros(Shape{}, int64, Device::cpu()), {.name = "iteration", .trainable = false});
}

Optimizer::~Optimizer() {
  // The strategies must not hold on to this optimizer's accumulators; a destructor never throws.
  for (auto& [weak, var] : registered_) {
    try {
      if (auto strategy = weak.lock()) strategy->unregister_gradient_accumulation({var});
    } catch (...) {
    }
  }
}

Tensor Optimizer::iterations() const {
  Tensor calls = iterations_.value();
  if (accumulation_steps_ == 0) return calls;
  return constant(Literal(calls.item<int64_t>() / accumulation_steps_), int64);
}

Variable& Optimizer::gradient_accumulator(const Variable& var) {
  TANDEM_CHECK(accumulation_steps_ > 0, ValueError, class_name_,
               ": gradient_accumulator needs gradient_accumulation_steps");
  return slot(var, "gradient_accumulator");
}

double Optimizer::learning_rate() const {
  // As Keras 3, schedules see every call, not only the updates.
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
          {"gradient_accumulation_steps",
           accumulation_steps_ ? json(accumulation_steps_) : json(nullptr)},
          {"is_legacy_optimizer", false}};
}

void Optimizer::build_once(const Variable& var) {
  if (!built_.emplace(var.id(), true).second) return;
  if (accumulation_steps_ > 0) {
    // As Keras 3's build: the accumulator comes before the subclass's slots.
    Variable accumulator = add_slot(var, "gradient_accumulator");
    accumulators_.push_back(accumulator);
    accumulated_.push_back(var);
    // The strategy learns which backward passes are accumulation-only (no communication).
    distributed::StrategyPtr strategy = distributed::get_strategy_ptr();
    strategy->register_gradient_accumulation({var}, {accumulator}, iterations_,
                                             accumulation_steps_);
    registered_.emplace_back(strategy, var);
  }
  build_slots(var);
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
  if (accumulation_steps_ > 0) {
    accumulate_or_update(local, vars);
    return;
  }
  std::vector<std::optional<Tensor>> grads =
      distributed::get_strategy().aggregate_gradients(local, vars);
  std::vector<GradientAndVariable> pairs;
  pairs.reserve(grads_and_vars.size());
  for (size_t i = 0; i < vars.size(); ++i)
    if (grads[i] && grads[i]->defined()) pairs.emplace_back(grads[i], vars[i]);
  if (pairs.empty()) throw_no_gradients(vars);
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
  update(std::move(pairs), iterations_.value().item<int64_t>());
}

void Optimizer::update(std::vector<GradientAndVariable> pairs, int64_t raw_step) {
  pairs = clip(pairs);
  double lr = learning_rate();
  // The 1-based update number (Keras 3 reads optimizer.iterations, the updates so far).
  int64_t step = (accumulation_steps_ ? raw_step / accumulation_steps_ : raw_step) + 1;
  if (!apply_fused(pairs, lr, step)) {
    if (options_.weight_decay) {
      double decay = lr * *options_.weight_decay;
      for (auto& [g, v] : pairs) {
        Tensor delta = v.value() * decay;  // its own statement: no snapshot outlives it
        v.assign_sub(delta);
      }
    }
    for (auto& [g, v] : pairs) update_step(*g, v, lr, step);
  }
  iterations_.assign(constant(Literal(raw_step + 1), int64).to(iterations_.device()));
}

bool Optimizer::apply_fused(const std::vector<GradientAndVariable>& pairs, double lr,
                            int64_t step) {
  kernels::OptimizerUpdate u;
  std::vector<std::string> slot_names;
  if (!fused_update_ || !fused_rule(lr, step, u, slot_names)) return false;
  std::vector<Variable> vars;
  std::vector<Tensor> grads;
  vars.reserve(pairs.size());
  grads.reserve(pairs.size());
  for (const auto& [g, v] : pairs) vars.push_back(v), grads.push_back(*g);
  if (!ops::can_apply_update(vars, grads)) return false;
  if (options_.weight_decay) {
    u.weight_decay = true;
    u.decay = lr * *options_.weight_decay;
  }
  std::vector<std::vector<Variable>> slots(vars.size());
  for (size_t i = 0; i < vars.size(); ++i)
    for (const std::string& name : slot_names) slots[i].push_back(slot(vars[i], name));
  ops::apply_update(u, vars, grads, slots);
  return true;
}

void Optimizer::accumulate_or_update(const std::vector<std::optional<Tensor>>& local,
                                     const std::vector<Variable>& vars) {
  std::vector<size_t> present;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!local[i] || !local[i]->defined()) continue;
    present.push_back(i);
    const Tensor& g = *local[i];
    const Variable& v = vars[i];
    TANDEM_CHECK(g.shape() == v.shape(), ValueError, class_name_,
                 ".apply_gradients: the gradient for variable '", v.name(), "' has shape ",
                 g.shape().to_list_string(), ", expected the variable's shape ",
                 v.shape().to_list_string());
    TANDEM_CHECK(g.dtype() == v.dtype(), ValueError, class_name_,
                 ".apply_gradients: the gradient for variable '", v.name(), "' has dtype ",
                 dtype_name(g.dtype()), ", expected the variable's dtype ", dtype_name(v.dtype()));
  }
  // Every variable gets its accumulator (another replica may have a gradient where this one has
  // none), so that all replicas hold the same optimizer variables.
  for (const Variable& v : vars) build_once(v);
  const int64_t raw_step = iterations_.value().item<int64_t>();
  if ((raw_step + 1) % accumulation_steps_ != 0) {
    // An accumulation-only step: this replica's own gradients, no communication.
    if (present.empty()) throw_no_gradients(vars);
    for (size_t i : present) gradient_accumulator(vars[i]).assign_add(*local[i]);
    iterations_.assign(constant(Literal(raw_step + 1), int64).to(iterations_.device()));
    return;
  }
  // The update: the mean of the cycle's gradients (averaged over the replicas), then zeroed
  // accumulators. Keras 3 updates the variables that have a gradient in this call.
  std::vector<Variable> accumulators;
  for (const Variable& v : vars) accumulators.push_back(gradient_accumulator(v));
  std::vector<std::optional<Tensor>> sums =
      distributed::get_strategy().aggregate_accumulated_gradients(local, vars, accumulators);
  std::vector<GradientAndVariable> pairs;
  for (size_t i = 0; i < vars.size(); ++i)
    if (sums[i] && sums[i]->defined())
      pairs.emplace_back(*sums[i] / double(accumulation_steps_), vars[i]);
  if (pairs.empty()) throw_no_gradients(vars);
  update(std::move(pairs), raw_step);
  for (Variable& acc : accumulators_) acc.assign(zeros(acc.shape(), acc.dtype(), acc.device()));
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
