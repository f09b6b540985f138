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
using Factory = std::function<OptimizerPtr(const json& config)>;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Lower-case Keras class name -> from_config.
const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"sgd", [](const json& c) -> OptimizerPtr { return SGD::from_config(c); }},
      {"adam", [](const json& c) -> OptimizerPtr { return Adam::from_config(c); }},
      {"adamw", [](const json& c) -> OptimizerPtr { return AdamW::from_config(c); }},
      {"adagrad", [](const json& c) -> OptimizerPtr { return Adagrad::from_config(c); }},
      {"adadelta", [](const json& c) -> OptimizerPtr { return Adadelta::from_config(c); }},
      {"adamax", [](const json& c) -> OptimizerPtr { return Adamax::from_config(c); }},
      {"nadam", [](const json& c) -> OptimizerPtr { return Nadam::from_config(c); }},
      {"rmsprop", [](const json& c) -> OptimizerPtr { return RMSprop::from_config(c); }},
      {"ftrl", [](const json& c) -> OptimizerPtr { return Ftrl::from_config(c); }},
  };
  return table;
}

const Factory& find_factory(const std::string& name) {
  std::string key = lower(name);
  // Keras 2.11 wrote its new optimizers as "Custom>Adam" in saved configs.
  if (key.rfind("custom>", 0) == 0) key = key.substr(7);
  auto it = factories().find(key);
  if (it == factories().end()) {
    std::string known =
        join(factories(), [](const auto& f) -> const std::string& { return f.first; });
    throw ValueError("Could not interpret optimizer identifier: '" + name + "': expected one of " +
                     known + " (case-insensitive)");
  }
  return it->second;
}

}  // namespace

OptimizerPtr get(const std::string& name) { return find_factory(name)(json::object()); }

json serialize(const Optimizer& optimizer) {
  return {{"class_name", optimizer.class_name()}, {"config", optimizer.get_config()}};
}

OptimizerPtr deserialize(const json& j) {
  TANDEM_CHECK(j.is_object() && j.contains("class_name") && j["class_name"].is_string(), ValueError,
               "optimizers::deserialize: expected {\"class_name\": ..., \"config\": {...}}, "
               "received ",
               j.dump());
  std::string name = j["class_name"].get<std::string>();
  const Factory& factory = find_factory(name);
  json config = j.value("config", json::object());
  try {
    return factory(config);
  } catch (const json::exception& e) {
    throw ValueError("optimizers::deserialize: bad config for " + name + ": " + e.what() +
                     " (received " + config.dump() + ")");
  }
}

}  // namespace tandem::optimizers
