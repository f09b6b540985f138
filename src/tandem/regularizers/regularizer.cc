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

Registry<Regularizer>& regularizer_registry() {
  using nlohmann::json;
  static Registry<Regularizer> registry(
      "regularizer", "TANDEM_REGISTER_REGULARIZER",
      {{"L1", [](const json& c) { return l1(c.value("l1", 0.01)); }},
       {"L2", [](const json& c) { return l2(c.value("l2", 0.01)); }},
       {"L1L2", [](const json& c) { return l1_l2(c.value("l1", 0.0), c.value("l2", 0.0)); }},
       // Keras's function-style names.
       {"l1", [](const json& c) { return l1(c.value("l1", 0.01)); }},
       {"l2", [](const json& c) { return l2(c.value("l2", 0.01)); }},
       {"l1_l2", [](const json& c) { return l1_l2(c.value("l1", 0.01), c.value("l2", 0.01)); }}});
  return registry;
}

Regularizer deserialize(const nlohmann::json& json) {
  if (json.is_null()) return nullptr;
  TANDEM_CHECK(
      json.is_object() && json.contains("class_name") && json["class_name"].is_string(), ValueError,
      "regularizers::deserialize: expected {\"class_name\": ..., \"config\": ...}, received ",
      json.dump());
  return regularizer_registry().deserialize(json);
}

Regularizer get(const std::string& name) {
  return deserialize({{"class_name", name}, {"config", nlohmann::json::object()}});
}

}  // namespace tandem::regularizers
