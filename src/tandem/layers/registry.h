// Layer registry: rebuilds layers from their Keras config, built-in and custom alike.
//   TANDEM_REGISTER_LAYER(MyLayer);   // MyLayer needs static std::shared_ptr<Layer>
//   from_config(const json&) auto layer = layer_from_config({{"class_name", "Dense"}, {"config",
//   {...}}});
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "tandem/layers/layer.h"

namespace tandem {

using LayerFactory = std::function<std::shared_ptr<Layer>(const json& config)>;
// Extra factories for one deserialization, like Keras's custom_objects.
using CustomObjects = std::map<std::string, LayerFactory>;

bool register_layer(const std::string& class_name, LayerFactory factory);

// {"class_name": ..., "config": {...}} -> a new layer. ValueError for an unknown class, with the
// hint to pass it in custom_objects or register it.
std::shared_ptr<Layer> layer_from_config(const json& serialized, const CustomObjects& custom = {});
// The Keras serialisation of a layer: {"class_name": ..., "config": layer.get_config()}.
json serialize_layer(const Layer& layer);

}  // namespace tandem

#define TANDEM_REGISTER_LAYER(Class)                                      \
  static const bool tandem_registered_##Class = ::tandem::register_layer( \
      #Class, [](const ::tandem::json& config) { return Class::from_config(config); })
