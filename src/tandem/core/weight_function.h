// A named, configurable Tensor -> Tensor function: what regularizers and constraints are. Built-ins
// carry their Keras class name and config (so layers can serialise them); any callable converts to
// a "Custom" one, which works but cannot be saved. Tag names the family in error messages.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "tandem/core/tensor.h"

namespace tandem {

template <class Tag>
class WeightFunction {
 public:
  WeightFunction() = default;
  WeightFunction(std::nullptr_t) {}  // NOLINT: "none", as in option defaults
  template <class F, class = std::enable_if_t<std::is_invocable_r_v<Tensor, F, const Tensor&> &&
                                              !std::is_same_v<std::decay_t<F>, WeightFunction>>>
  WeightFunction(F fn) : class_name_("Custom"), fn_(std::move(fn)) {}  // NOLINT: callables convert
  WeightFunction(std::string class_name, nlohmann::json config,
                 std::function<Tensor(const Tensor&)> fn)
      : class_name_(std::move(class_name)), config_(std::move(config)), fn_(std::move(fn)) {}

  Tensor operator()(const Tensor& weight) const {
    TANDEM_CHECK(fn_ != nullptr, ValueError, "calling an empty ", Tag::kName);
    return fn_(weight);
  }
  explicit operator bool() const { return static_cast<bool>(fn_); }
  const std::string& class_name() const { return class_name_; }
  const nlohmann::json& get_config() const { return config_; }

 private:
  std::string class_name_;
  nlohmann::json config_ = nlohmann::json::object();
  std::function<Tensor(const Tensor&)> fn_;
};

// {"class_name": ..., "config": {...}}, or null for "none". A plain callable has neither a class
// name nor a config to rebuild it from, so saving one is refused here rather than written as a
// file that cannot be loaded (Tag::kMacro says how to make it saveable).
template <class Tag>
nlohmann::json serialize_weight_function(const WeightFunction<Tag>& f) {
  if (!f) return nullptr;
  TANDEM_CHECK(f.class_name() != "Custom", ValueError, "a ", Tag::kName,
               " given as a plain callable cannot be serialized: construct it with a class name "
               "and config, ",
               Tag::kType, "(\"MyClass\", config, fn), and register it with ", Tag::kMacro,
               "(MyClass, factory) (or pass the factory in custom_objects) so it can be rebuilt");
  return {{"class_name", f.class_name()}, {"config", f.get_config()}};
}

}  // namespace tandem
