// Weight constraints (tf.keras.constraints): a projection applied to a weight after each optimizer
// update. Built-ins carry their Keras config; any callable Tensor(const Tensor&) is a custom one.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "tandem/core/tensor.h"

namespace tandem::constraints {

class Constraint {
 public:
  Constraint() = default;
  Constraint(std::nullptr_t) {}  // NOLINT: "no constraint", as in option defaults
  template <class F, class = std::enable_if_t<std::is_invocable_r_v<Tensor, F, const Tensor&> &&
                                              !std::is_same_v<std::decay_t<F>, Constraint>>>
  Constraint(F fn) : class_name_("Custom"), fn_(std::move(fn)) {}  // NOLINT: callables convert
  Constraint(std::string class_name, nlohmann::json config, std::function<Tensor(const Tensor&)> fn)
      : class_name_(std::move(class_name)), config_(std::move(config)), fn_(std::move(fn)) {}

  Tensor operator()(const Tensor& weight) const;
  explicit operator bool() const { return static_cast<bool>(fn_); }
  const std::string& class_name() const { return class_name_; }
  const nlohmann::json& get_config() const { return config_; }

 private:
  std::string class_name_;
  nlohmann::json config_ = nlohmann::json::object();
  std::function<Tensor(const Tensor&)> fn_;
};

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

}  // namespace tandem::constraints
