#include "tandem/layers/registry.h"

#include <mutex>

namespace tandem {
namespace {

std::mutex& registry_mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, LayerFactory>& registry() {
  static std::map<std::string, LayerFactory> r;
  return r;
}

// The innermost live CustomObjectScope on this thread.
thread_local const CustomObjectScope* t_scope = nullptr;

}  // namespace

CustomObjectScope::CustomObjectScope(const CustomObjects& custom)
    : custom_(&custom), outer_(t_scope) {
  t_scope = this;
}

CustomObjectScope::~CustomObjectScope() { t_scope = outer_; }

bool register_layer(const std::string& class_name, LayerFactory factory) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry()[class_name] = std::move(factory);
  return true;
}

std::shared_ptr<Layer> layer_from_config(const json& serialized, const CustomObjects& custom) {
  TANDEM_CHECK(
      serialized.is_object() && serialized.contains("class_name") && serialized.contains("config"),
      ValueError, "layer_from_config: expected {\"class_name\": ..., \"config\": {...}}, received ",
      serialized.dump());
  std::string name = serialized["class_name"].get<std::string>();
  const json& config = serialized["config"];
  // Nested layer_from_config calls (a Sequential's layers, a Functional's) see `custom` too.
  CustomObjectScope scope(custom);
  LayerFactory factory;
  for (const CustomObjectScope* s = t_scope; s != nullptr && !factory; s = s->outer_) {
    if (auto it = s->custom_->find(name); it != s->custom_->end()) factory = it->second;
  }
  if (!factory) {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto it = registry().find(name);
    if (it != registry().end()) factory = it->second;
  }
  TANDEM_CHECK(factory != nullptr, ValueError, "unknown layer class '", name,
               "': pass it in custom_objects or register it with TANDEM_REGISTER_LAYER(", name,
               ")");
  return factory(config);
}

json serialize_layer(const Layer& layer) {
  return {{"class_name", layer.class_name()}, {"config", layer.get_config()}};
}

}  // namespace tandem
