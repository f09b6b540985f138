// Weight regularizers (tf.keras.regularizers): a penalty on a weight that the layer adds to its
// losses. Built-ins carry their Keras config; any callable Tensor(const Tensor&) is a custom one.
#pragma once

#include <string>

#include "tandem/core/registry.h"
#include "tandem/core/weight_function.h"

namespace tandem::regularizers {

struct RegularizerTag {
  static constexpr const char* kName = "regularizer";
  static constexpr const char* kType = "Regularizer";
  static constexpr const char* kMacro = "TANDEM_REGISTER_REGULARIZER";
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

// The regularizer classes, built-in and custom (core/registry.h). A custom one is a Regularizer
// with its own class name and config, Regularizer("Orthogonality", {{"factor", f}}, fn), and a
// factory that rebuilds it from that config.
Registry<Regularizer>& regularizer_registry();

}  // namespace tandem::regularizers

// Registers a custom regularizer class: factory is `Regularizer(const json& config)`.
#define TANDEM_REGISTER_REGULARIZER(Class, factory) \
  TANDEM_REGISTER_IN(::tandem::regularizers::regularizer_registry(), #Class, factory)
