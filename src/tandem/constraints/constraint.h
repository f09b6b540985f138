// Weight constraints (tf.keras.constraints): a projection applied to a weight after each optimizer
// update. Built-ins carry their Keras config; any callable Tensor(const Tensor&) is a custom one.
#pragma once

#include <string>

#include "tandem/core/registry.h"
#include "tandem/core/weight_function.h"

namespace tandem::constraints {

struct ConstraintTag {
  static constexpr const char* kName = "constraint";
  static constexpr const char* kType = "Constraint";
  static constexpr const char* kMacro = "TANDEM_REGISTER_CONSTRAINT";
};
using Constraint = WeightFunction<ConstraintTag>;

Constraint non_neg();
// Norms along `axis` (the input axis of a Dense kernel by default) scaled down to at most
// max_value.
Constraint max_norm(double max_value = 2.0, int64_t axis = 0);
Constraint unit_norm(int64_t axis = 0);
// Norms moved into [min_value, max_value] at `rate` (1 = all the way).
Constraint min_max_norm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0,
                        int64_t axis = 0);

nlohmann::json serialize(const Constraint& c);
Constraint deserialize(const nlohmann::json& json);
Constraint get(const std::string& name);

// The constraint classes, built-in and custom (core/registry.h); a custom one is a Constraint with
// its own class name and config and a factory that rebuilds it from that config.
Registry<Constraint>& constraint_registry();

}  // namespace tandem::constraints

// Registers a custom constraint class: factory is `Constraint(const json& config)`.
#define TANDEM_REGISTER_CONSTRAINT(Class, factory) \
  TANDEM_REGISTER_IN(::tandem::constraints::constraint_registry(), #Class, factory)
