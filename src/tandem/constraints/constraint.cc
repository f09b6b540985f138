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

Constraint deserialize(const nlohmann::json& json) {
  if (json.is_null()) return nullptr;
  TANDEM_CHECK(
      json.is_object() && json.contains("class_name"), ValueError,
      "constraints::deserialize: expected {\"class_name\": ..., \"config\": ...}, received ",
      json.dump());
  std::string name = json["class_name"].get<std::string>();
  nlohmann::json c = json.value("config", nlohmann::json::object());
  int64_t axis = c.value("axis", int64_t{0});
  if (name == "NonNeg" || name == "non_neg") return non_neg();
  if (name == "MaxNorm" || name == "max_norm") return max_norm(c.value("max_value", 2.0), axis);
  if (name == "UnitNorm" || name == "unit_norm") return unit_norm(axis);
  if (name == "MinMaxNorm" || name == "min_max_norm")
    return min_max_norm(c.value("min_value", 0.0), c.value("max_value", 1.0), c.value("rate", 1.0),
                        axis);
  throw ValueError(
      "unknown constraint '" + name +
      "': expected NonNeg, MaxNorm, UnitNorm or MinMaxNorm (a custom constraint cannot "
      "be rebuilt from a config)");
}

Constraint get(const std::string& name) {
  return deserialize({{"class_name", name}, {"config", nlohmann::json::object()}});
}

}  // namespace tandem::constraints
