// Weight regularizers (tf.keras.regularizers): a penalty on a weight that the layer adds to its
// losses. Built-ins carry their Keras config; any callable Tensor(const Tensor&) is a custom one.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "tandem/core/tensor.h"

namespace tandem::regularizers {

class Regularizer {
 public:
  Regularizer() = default;
  Regularizer(std::nullptr_t) {}  // NOLINT: "no regularizer", as in option defaults
  template <class F, class = std::enable_if_t<std::is_invocable_r_v<Tensor, F, const Tensor&> &&
                                              !std::is_same_v<std::decay_t<F>, Regularizer>>>
  Regularizer(F fn) : class_name_("Custom"), fn_(std::move(fn)) {}  // NOLINT: callables convert
  Regularizer(std::string class_name, nlohmann::json config,
              std::function<Tensor(const Tensor&)> fn)
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

Regularizer l1(double l1 = 0.01);                       // l1 * sum(|w|)
Regularizer l2(double l2 = 0.01);                       // l2 * sum(w^2)
Regularizer l1_l2(double l1 = 0.01, double l2 = 0.01);  // both

// {"class_name": "L2", "config": {"l2": 0.01}}; null for "no regularizer".
nlohmann::json serialize(const Regularizer& r);
Regularizer deserialize(const nlohmann::json& json);
// By Keras name: "l1", "l2", "l1_l2" (default strengths).
Regularizer get(const std::string& name);

}  // namespace tandem::regularizers
