#include "tandem/constraints/constraint.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::constraints {
namespace {

constexpr double kEpsilon = 1e-7;  // Keras's backend.epsilon()

// Rescales w so its norms along `axis` become desired(norms).
Constraint norm_constraint(std::string name, nlohmann::json config, int64_t axis,
                           std::function<Tensor(const Tensor&)> desired) {
  return Constraint(std::move(name), std::move(config), [axis, desired](const Tensor& w) {
    Tensor norms =
        sqrt(reduce_sum(square(w), {.axis = std::vector<int64_t>{axis}, .keepdims = true}));
    return w * (desired(norms) / (norms + kEpsilon));
  });
}

}  // namespace

Constraint non_neg() {
  return Constraint("NonNeg", nlohmann::json::object(),
                    [](const Tensor& w) { return w * cast(w >= 0.0, w.dtype()); });
}

Constraint max_norm(double max_value, int64_t axis) {
  TANDEM_CHECK(max_value > 0, ValueError, "max_norm: expected max_value > 0, received ", max_value);
  return norm_constraint("MaxNorm", {{"max_value", max_value}, {"axis", axis}}, axis,
                         [max_value](const Tensor& n) { return clip_by_value(n, 0.0, max_value); });
}

Constraint unit_norm(int64_t axis) {
  return norm_constraint("UnitNorm", {{"axis", axis}}, axis,
                         [](const Tensor& n) { return ones_like(n); });
}

Constraint min_max_norm(double min_value, double max_value, double rate, int64_t axis) {
  TANDEM_CHECK(min_value <= max_value, ValueError,
               "min_max_norm: expected min_value <= max_value, received ", min_value, " > ",
               max_value);
  return norm_constraint(
      "MinMaxNorm",
      {{"min_value", min_value}, {"max_value", max_value}, {"rate", rate}, {"axis", axis}}, axis,
      [min_value, max_value, rate](const Tensor& n) {
        return clip_by_value(n, min_value, max_value) * rate + n * (1.0 - rate);
      });
}

nlohmann::json serialize(const Constraint& c) { return serialize_weight_function(c); }

Registry<Constraint>& constraint_registry() {
  using nlohmann::json;
  auto axis = [](const json& c) { return c.value("axis", int64_t{0}); };
  auto non_neg_f = [](const json&) { return non_neg(); };
  auto max_norm_f = [axis](const json& c) { return max_norm(c.value("max_value", 2.0), axis(c)); };
  auto unit_norm_f = [axis](const json& c) { return unit_norm(axis(c)); };
  auto min_max_norm_f = [axis](const json& c) {
    return min_max_norm(c.value("min_value", 0.0), c.value("max_value", 1.0), c.value("rate", 1.0),
                        axis(c));
  };
  static Registry<Constraint> registry("constraint", "TANDEM_REGISTER_CONSTRAINT",
                                       {{"NonNeg", non_neg_f},
                                        {"MaxNorm", max_norm_f},
                                        {"UnitNorm", unit_norm_f},
                                        {"MinMaxNorm", min_max_norm_f},
                                        // Keras's function-style names.
                                        {"non_neg", non_neg_f},
                                        {"max_norm", max_norm_f},
                                        {"unit_norm", unit_norm_f},
                                        {"min_max_norm", min_max_norm_f}});
  return registry;
}

Constraint deserialize(const nlohmann::json& json) {
  if (json.is_null()) return nullptr;
  TANDEM_CHECK(
      json.is_object() && json.contains("class_name") && json["class_name"].is_string(), ValueError,
      "constraints::deserialize: expected {\"class_name\": ..., \"config\": ...}, received ",
      json.dump());
  return constraint_registry().deserialize(json);
}

Constraint get(const std::string& name) {
  return deserialize({{"class_name", name}, {"config", nlohmann::json::object()}});
}

}  // namespace tandem::constraints
