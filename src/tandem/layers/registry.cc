#include "tandem/layers/registry.h"

namespace tandem {

Registry<std::shared_ptr<Layer>>& layer_registry() {
  static Registry<std::shared_ptr<Layer>> registry("layer", "TANDEM_REGISTER_LAYER");
  return registry;
}

bool register_layer(const std::string& class_name, LayerFactory factory) {
  return layer_registry().add(class_name, std::move(factory));
}

std::shared_ptr<Layer> layer_from_config(const json& serialized, const CustomObjects& custom) {
  TANDEM_CHECK(
      serialized.is_object() && serialized.contains("class_name") && serialized.contains("config"),
      ValueError, "layer_from_config: expected {\"class_name\": ..., \"config\": {...}}, received ",
      serialized.dump());
  // Nested layer_from_config calls (a Sequential's layers, a Functional's) see `custom` too, as do
  // the initializers, regularizers, ... the layers' configs name.
  CustomObjectScope scope(custom);
  return layer_registry().make(serialized["class_name"].get<std::string>(), serialized["config"]);
}

json serialize_layer(const Layer& layer) {
  return {{"class_name", layer.class_name()}, {"config", layer.get_config()}};
}

}  // namespace tandem
