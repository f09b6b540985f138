// get / serialize / deserialize for the built-in optimizers, by Keras class name.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "tandem/core/join.h"
#include "tandem/optimizers/adadelta.h"
#include "tandem/optimizers/adagrad.h"
#include "tandem/optimizers/adam.h"
#include "tandem/optimizers/adamax.h"
#include "tandem/optimizers/adamw.h"
#include "tandem/optimizers/ftrl.h"
#include "tandem/optimizers/nadam.h"
#include "tandem/optimizers/optimizer.h"
#include "tandem/optimizers/rmsprop.h"
#include "tandem/optimizers/sgd.h"

namespace tandem::optimizers {

namespace {

using json = nlohmann::json;
using Factory = Registry<OptimizerPtr>::Factory;

// Keras 2.11 wrote its new optimizers as "Custom>Adam" in saved configs; names are
// case-insensitive ("adam", "Adam").
std::string key(const std::string& name) {
  std::string k = name;
  std::transform(k.begin(), k.end(), k.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (k.rfind("custom>", 0) == 0) k = k.substr(7);
  return k;
}

std::map<std::string, Factory> builtin_classes() {
  return {
      {"SGD", [](const json& c) -> OptimizerPtr { return SGD::from_config(c); }},
      {"Adam", [](const json& c) -> OptimizerPtr { return Adam::from_config(c); }},
      {"AdamW", [](const json& c) -> OptimizerPtr { return AdamW::from_config(c); }},
      {"Adagrad", [](const json& c) -> OptimizerPtr { return Adagrad::from_config(c); }},
      {"Adadelta", [](const json& c) -> OptimizerPtr { return Adadelta::from_config(c); }},
      {"Adamax", [](const json& c) -> OptimizerPtr { return Adamax::from_config(c); }},
      {"Nadam", [](const json& c) -> OptimizerPtr { return Nadam::from_config(c); }},
      {"RMSprop", [](const json& c) -> OptimizerPtr { return RMSprop::from_config(c); }},
      {"Ftrl", [](const json& c) -> OptimizerPtr { return Ftrl::from_config(c); }},
  };
}

}  // namespace

Registry<OptimizerPtr>& optimizer_registry() {
  static Registry<OptimizerPtr> registry("optimizer", "TANDEM_REGISTER_OPTIMIZER",
                                         builtin_classes(), key);
  return registry;
}

OptimizerPtr get(const std::string& name) {
  if (!optimizer_registry().contains(name)) {
    throw ValueError("Could not interpret optimizer identifier: '" + name + "': expected one of " +
                     join(optimizer_registry().names()) +
                     " (case-insensitive; custom optimizers: TANDEM_REGISTER_OPTIMIZER)");
  }
  return optimizer_registry().make(name, json::object());
}

json serialize(const Optimizer& optimizer) {
  return {{"class_name", optimizer.class_name()}, {"config", optimizer.get_config()}};
}

OptimizerPtr deserialize(const json& j) { return optimizer_registry().deserialize(j); }

}  // namespace tandem::optimizers
