// Weight regularizers (tf.keras.regularizers): a penalty on a weight that the layer adds to its
// losses. Built-ins carry their Keras config; any callable Tensor(const Tensor&) is a custom one.
#pragma once

#include <string>

#include "tandem/core/weight_function.h"

namespace tandem::regularizers {

struct RegularizerTag {
  static constexpr const char* kName = "regularizer";
};
using Regularizer = WeightFunction<RegularizerTag>;

Regularizer l1(double l1 = 0.01);                       // l1 * sum(|w|)
Regularizer l2(double l2 = 0.01);                       // l2 * sum(w^2)
Regularizer l1_l2(double l1 = 0.01, double l2 = 0.01);  // both

// {"class_name": "L2", "config": {"l2": 0.01}}; null for "no regularizer".
nlohmann::json serialize(const Regularizer& r);
Regularizer deserialize(const nlohmann::json& json);
// By Keras name: "l1", "l2", "l1_l2" (default strengths).
Regularizer get(const std::string& name);

}  // namespace tandem::regularizers
