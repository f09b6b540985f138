#include "tandem/regularizers/regularizer.h"

#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::regularizers {

Regularizer l1_l2(double l1, double l2) {
  TANDEM_CHECK(l1 >= 0 && l2 >= 0, ValueError,
               "regularizers: strengths must be >= 0, received l1=", l1, " l2=", l2);
  return Regularizer("L1L2", {{"l1", l1}, {"l2", l2}}, [l1, l2](const Tensor& w) {
    Tensor penalty = zeros(Shape{}, w.dtype(), w.device());
    if (l1 > 0) penalty = penalty + reduce_sum(abs(w)) * l1;
    if (l2 > 0) penalty = penalty + reduce_sum(square(w)) * l2;
    return penalty;
  });
}

Regularizer l1(double strength) {
  Regularizer r = l1_l2(strength, 0.0);
  return Regularizer("L1", {{"l1", strength}}, [r](const Tensor& w) { return r(w); });
}

Regularizer l2(double strength) {
  Regularizer r = l1_l2(0.0, strength);
  return Regularizer("L2", {{"l2", strength}}, [r](const Tensor& w) { return r(w); });
}

nlohmann::json serialize(const Regularizer& r) { return serialize_weight_function(r); }

Regularizer deserialize(const nlohmann::json& json) {
  if (json.is_null()) return nullptr;
  TANDEM_CHECK(
      json.is_object() && json.contains("class_name"), ValueError,
      "regularizers::deserialize: expected {\"class_name\": ..., \"config\": ...}, received ",
      json.dump());
  std::string name = json["class_name"].get<std::string>();
  nlohmann::json c = json.value("config", nlohmann::json::object());
  if (name == "L1" || name == "l1") return l1(c.value("l1", 0.01));
  if (name == "L2" || name == "l2") return l2(c.value("l2", 0.01));
  if (name == "L1L2" || name == "l1_l2") return l1_l2(c.value("l1", 0.0), c.value("l2", 0.0));
  throw ValueError(
      "unknown regularizer '" + name +
      "': expected L1, L2 or L1L2 (a custom regularizer cannot be rebuilt from a config)");
}

Regularizer get(const std::string& name) {
  if (name == "l1_l2") return l1_l2();
  return deserialize({{"class_name", name}, {"config", nlohmann::json::object()}});
}

}  // namespace tandem::regularizers
