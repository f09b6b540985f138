// Optimizer: the tf.keras.optimizers contract (Keras 2.11's optimizer, plus Keras 3's
// gradient_accumulation_steps). apply_gradients takes (gradient, variable) pairs, clips, applies
// weight decay, runs each subclass's update rule, and counts iterations. Slot variables are created
// lazily on the first apply_gradients, one set per variable, named "<slot>/<variable name>" (e.g.
// "m/dense/kernel").
//
// Gradient accumulation (gradient_accumulation_steps = k, Keras 3's semantics): every call adds
// the gradients to per-variable accumulators ("gradient_accumulator/<variable name>", optimizer
// variables, so checkpoints hold them); every k-th call updates the variables with the mean of the
// k calls' gradients (clipped after averaging, then weight decay), and zeroes the accumulators.
// The `iteration` variable counts calls (learning-rate schedules read it); iterations() is the
// number of updates, calls / k. Under data parallelism the k - 1 accumulation-only steps
// communicate nothing and the update step all-reduces the accumulated sum once
// (docs/distributed.md, "Gradient accumulation").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tandem/core/registry.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"
#include "tandem/optimizers/learning_rate_schedule.h"

namespace tandem::distributed {
class Strategy;
}
namespace tandem::kernels {
struct OptimizerUpdate;
}

namespace tandem::optimizers {

// A constant learning rate or a schedule of the iteration count.
using LearningRate = std::variant<double, SchedulePtr>;

// The options every optimizer takes after its own hyperparameters. Each optimizer's options
// struct (AdamOptions, ...) is one flat aggregate, so that designated initializers can name any
// field: Adam({.learning_rate = 0.01, .amsgrad = true, .clipnorm = 1.0}). Order: clipnorm,
// clipvalue, global_clipnorm, weight_decay, gradient_accumulation_steps, name.
#define TANDEM_OPTIMIZER_COMMON_OPTIONS(default_weight_decay)                                      \
  std::optional<double> clipnorm = std::nullopt;        /* per-variable gradient norm cap */       \
  std::optional<double> clipvalue = std::nullopt;       /* element-wise gradient cap */            \
  std::optional<double> global_clipnorm = std::nullopt; /* cap on the norm of all gradients */     \
  std::optional<double> weight_decay = default_weight_decay; /* decoupled: var -= lr * wd * var */ \
  /* update every k calls with the mean of their gradients (k >= 2; unset or 0: every call) */     \
  std::optional<int64_t> gradient_accumulation_steps = std::nullopt;                               \
  std::string name = "" /* empty: the class name ("Adam") */

struct OptimizerOptions {
  LearningRate learning_rate = 0.001;
  TANDEM_OPTIMIZER_COMMON_OPTIONS(std::nullopt);
};

// The base options out of a subclass's options struct.
template <class Options>
OptimizerOptions base_options(const Options& o) {
  return {.learning_rate = o.learning_rate,
          .clipnorm = o.clipnorm,
          .clipvalue = o.clipvalue,
          .global_clipnorm = o.global_clipnorm,
          .weight_decay = o.weight_decay,
          .gradient_accumulation_steps = o.gradient_accumulation_steps,
          .name = o.name};
}
// Fills the common fields (learning_rate, clip, decay, name) of `o` from a Keras config.
void read_common_config(const nlohmann::json& config, OptimizerOptions& o);
template <class Options>
void read_common_config(const nlohmann::json& config, Options& o) {
  OptimizerOptions base = base_options(o);
  read_common_config(config, base);
  o.learning_rate = base.learning_rate;
  o.clipnorm = base.clipnorm;
  o.clipvalue = base.clipvalue;
  o.global_clipnorm = base.global_clipnorm;
  o.weight_decay = base.weight_decay;
  o.gradient_accumulation_steps = base.gradient_accumulation_steps;
  o.name = base.name;
}

// One gradient (empty when the variable is not connected to the loss) and its variable.
using GradientAndVariable = std::pair<std::optional<Tensor>, Variable>;

class Optimizer {
 public:
  Optimizer(std::string class_name, OptimizerOptions options);
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One optimisation step (with gradient accumulation: one accumulation step, and the update on
  // every k-th call). Pairs without a gradient are skipped; ValueError when none has one, or when
  // a gradient's shape or dtype differs from its variable's. Increments the `iteration` variable.
  void apply_gradients(const std::vector<GradientAndVariable>& grads_and_vars);
  // Same as apply_gradients over zip(grads, vars).
  void apply_gradients(const std::vector<std::optional<Tensor>>& grads,
                       const std::vector<Variable>& vars);

  // Creates the slots of every variable in var_list that has none yet (Keras's
  // optimizer.build): apply_gradients does this lazily; call it to have the optimizer's variables
  // before the first step, e.g. to restore or broadcast them.
  void build(const std::vector<Variable>& var_list);

  // The number of updates so far, an int64 scalar (Keras 3's optimizer.iterations): the
  // apply_gradients calls, divided by gradient_accumulation_steps (floor) when that is set.
  Tensor iterations() const;
  // The `iteration` variable: every apply_gradients call so far (Keras 3's
  // optimizer._iterations). Checkpoints save it; learning-rate schedules read it.
  const Variable& iteration_variable() const { return iterations_; }
  // gradient_accumulation_steps, or 0 when the optimizer updates on every call.
  int64_t gradient_accumulation_steps() const { return accumulation_steps_; }
  // The accumulator of `var`'s gradients (gradient accumulation only; ValueError otherwise).
  Variable& gradient_accumulator(const Variable& var);
  // The learning rate that the next step uses (the schedule evaluated at the `iteration`
  // variable).
  double learning_rate() const;
  // Replaces a constant learning rate (ReduceLROnPlateau, LearningRateScheduler). TypeError when
  // the optimizer was built with a schedule, as in Keras.
  void set_learning_rate(double value);
  bool has_schedule() const;

  // `iteration` followed by every slot variable (gradient accumulators included), in creation
  // order (what a checkpoint saves).
  std::vector<Variable> variables() const;
  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }
  // Keras's config: name, learning_rate (a number or a serialised schedule), clip and decay
  // options, plus the subclass's hyperparameters.
  virtual nlohmann::json get_config() const;

  // Tandem's own switch (no Keras counterpart): Adam (and AdamW), SGD and RMSprop update all
  // variables of a step in one fused multi-tensor kernel call when their variables are float32 or
  // float64 on the CPU (ops/training_ops.h); false composes each variable's rule from element-wise
  // ops instead, as the other optimizers always do. The two agree to float rounding; the switch is
  // for comparing them.
  void set_fused_update(bool enabled) { fused_update_ = enabled; }
  bool fused_update() const { return fused_update_; }

 protected:
  // Creates this optimizer's slots for `var` with add_slot (called once per variable, lazily).
  virtual void build_slots(const Variable& var) { (void)var; }
  // The subclass's update rule for one variable. `lr` is this step's learning rate; `step` is the
  // 1-based update number (iterations() + 1), which Adam-style bias corrections use.
  virtual void update_step(const Tensor& gradient, Variable& var, double lr, int64_t step) = 0;
  // The same rule as one fused update (kernels/common/optimizer_update.h) for the subclasses that
  // have one: fills `u` (weight decay aside, which the base class adds) and the names of a
  // variable's slots in kernels::num_update_slots's order, and returns true. The default, false,
  // keeps update_step.
  virtual bool fused_rule(double lr, int64_t step, kernels::OptimizerUpdate& u,
                          std::vector<std::string>& slot_names) const {
    (void)lr, (void)step, (void)u, (void)slot_names;
    return false;
  }

  // A slot for `var` initialised to `initial` (zeros when absent), named "<slot_name>/<var name>".
  Variable add_slot(const Variable& var, const std::string& slot_name,
                    std::optional<Tensor> initial = std::nullopt);
  // The slot created by add_slot for this variable.
  Variable& slot(const Variable& var, const std::string& slot_name);

 private:
  // build_slots(var) unless it ran already for this variable.
  void build_once(const Variable& var);
  std::vector<GradientAndVariable> clip(const std::vector<GradientAndVariable>& pairs) const;
  // Clip, weight decay and the subclass's rule for one update; `raw_step` is the call count.
  void update(std::vector<GradientAndVariable> pairs, int64_t raw_step);
  // Weight decay and the rule for every pair in one fused kernel call; false (nothing changed)
  // when the subclass has no fused rule or the variables have no fused kernel.
  bool apply_fused(const std::vector<GradientAndVariable>& pairs, double lr, int64_t step);
  // apply_gradients with gradient accumulation.
  void accumulate_or_update(const std::vector<std::optional<Tensor>>& local,
                            const std::vector<Variable>& vars);

  std::string class_name_;
  std::string name_;
  OptimizerOptions options_;
  Variable iterations_;
  std::vector<Variable> slot_order_;
  std::map<std::pair<uint64_t, std::string>, Variable> slots_;  // (variable id, slot name)
  std::map<uint64_t, bool> built_;                              // variable id -> slots made
  int64_t accumulation_steps_ = 0;
  bool fused_update_ = true;
  std::vector<Variable> accumulators_;  // in creation order
  std::vector<Variable> accumulated_;   // their variables
  // The strategies the variables were registered with, to unregister them when this is destroyed.
  std::vector<std::pair<std::weak_ptr<distributed::Strategy>, Variable>> registered_;
};

using OptimizerPtr = std::shared_ptr<Optimizer>;

// By Keras name with default hyperparameters: "sgd", "adam", "adamw", "adagrad", "adadelta",
// "adamax", "nadam", "rmsprop", "ftrl" (case-insensitive). ValueError listing the names otherwise.
OptimizerPtr get(const std::string& name);
// {"class_name": ..., "config": {...}} and back.
nlohmann::json serialize(const Optimizer& optimizer);
OptimizerPtr deserialize(const nlohmann::json& json);
// The optimizer classes, built-in and custom (core/registry.h); names match case-insensitively.
Registry<OptimizerPtr>& optimizer_registry();

}  // namespace tandem::optimizers

// Registers a custom Optimizer subclass; Class needs `static OptimizerPtr from_config(const
// json&)`.
#define TANDEM_REGISTER_OPTIMIZER(Class)                                                        \
  TANDEM_REGISTER_IN(::tandem::optimizers::optimizer_registry(), #Class,                        \
                     [](const ::nlohmann::json& config) -> ::tandem::optimizers::OptimizerPtr { \
                       return Class::from_config(config);                                       \
                     })
