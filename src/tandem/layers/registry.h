// Layer registry: rebuilds layers from their Keras config, built-in and custom alike.
//
//   TANDEM_REGISTER_LAYER(MyLayer);  // MyLayer needs `static std::shared_ptr<Layer>
//                                    //   from_config(const json&)` (core/registry.h)
//   auto layer = layer_from_config({{"class_name", "Dense"}, {"config", {...}}});
//   auto model = layer_from_config(saved, {{"MyLayer", &MyLayer::from_config}});
//
// custom_objects reach every layer rebuilt while layer_from_config runs, nested ones included (the
// layers of a Sequential or Functional model inside the one being rebuilt), as in Keras.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/layers/layer.h"

namespace tandem {

using LayerFactory = std::function<std::shared_ptr<Layer>(const json& config)>;

// The layer (and model) classes: built-ins register themselves with TANDEM_REGISTER_LAYER.
Registry<std::shared_ptr<Layer>>& layer_registry();
bool register_layer(const std::string& class_name, LayerFactory factory);

// {"class_name": ..., "config": {...}} -> a new layer. Classes are looked up in `custom`, then in
// the custom objects of every enclosing layer_from_config call or CustomObjectScope on this thread
// (innermost first), then in the registry. ValueError for an unknown class, with the hint to pass
// it in custom_objects or register it.
std::shared_ptr<Layer> layer_from_config(const json& serialized, const CustomObjects& custom = {});
// The Keras serialisation of a layer: {"class_name": ..., "config": layer.get_config()}.
json serialize_layer(const Layer& layer);

}  // namespace tandem

// Registers a layer class; Class needs `static std::shared_ptr<Layer> from_config(const json&)`.
// A movable class also gets a mover, so a temporary of it can be called on symbolic inputs.
#define TANDEM_REGISTER_LAYER(Class)                                                               \
  TANDEM_REGISTER_STATIC(::tandem::layer_registry().add(#Class, [](const ::tandem::json& config) { \
    return Class::from_config(config);                                                             \
  }) && ::tandem::detail::register_layer_mover<Class>())
// Models are layers: a subclassed model that implements get_config and from_config registers the
// same way, and load_model rebuilds it.
#define TANDEM_REGISTER_MODEL(Class) TANDEM_REGISTER_LAYER(Class)
