// Layer registry: rebuilds layers from their Keras config, built-in and custom alike.
//
//   TANDEM_REGISTER_LAYER(MyLayer);  // MyLayer needs `static std::shared_ptr<Layer>
//                                    //   from_config(const json&)`
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

#include "tandem/layers/layer.h"

namespace tandem {

using LayerFactory = std::function<std::shared_ptr<Layer>(const json& config)>;
// Extra factories for one deserialization, like Keras's custom_objects.
using CustomObjects = std::map<std::string, LayerFactory>;

bool register_layer(const std::string& class_name, LayerFactory factory);

// {"class_name": ..., "config": {...}} -> a new layer. Classes are looked up in `custom`, then in
// the custom objects of every enclosing layer_from_config call or CustomObjectScope on this thread
// (innermost first), then in the registry. ValueError for an unknown class, with the hint to pass
// it in custom_objects or register it.
std::shared_ptr<Layer> layer_from_config(const json& serialized, const CustomObjects& custom = {});
// The Keras serialisation of a layer: {"class_name": ..., "config": layer.get_config()}.
json serialize_layer(const Layer& layer);

// keras.utils.custom_object_scope: while it lives, layer_from_config on this thread also finds
// the classes in `custom` (used by layer_from_config itself to reach nested models' layers).
class CustomObjectScope {
 public:
  explicit CustomObjectScope(const CustomObjects& custom);
  ~CustomObjectScope();
  CustomObjectScope(const CustomObjectScope&) = delete;
  CustomObjectScope& operator=(const CustomObjectScope&) = delete;

 private:
  const CustomObjects* custom_;
  const CustomObjectScope* outer_;
  friend std::shared_ptr<Layer> layer_from_config(const json&, const CustomObjects&);
};

}  // namespace tandem

#define TANDEM_REGISTER_LAYER(Class)                                      \
  static const bool tandem_registered_##Class = ::tandem::register_layer( \
      #Class, [](const ::tandem::json& config) { return Class::from_config(config); })
