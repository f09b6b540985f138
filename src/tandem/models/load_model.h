// models::load_model (tf.keras.models.load_model): rebuilds a model that Model::save wrote, with
// its weights and, when it was compiled, its compile state (optimizer with slots and iteration
// count, losses, loss weights, metrics), so training continues exactly where the saved model
// stopped: the next step's loss equals the one the original model would have computed.
//
//   model->save("model.tandem");
//   auto restored = models::load_model("model.tandem");
//   auto custom = models::load_model("custom.tandem", {{"MyLayer", &MyLayer::from_config}});
//
// Sequential, Functional and nested models are rebuilt from their config; a subclassed model needs
// get_config and a from_config registered with TANDEM_REGISTER_MODEL (or passed in custom_objects)
// and is built by calling it on zeros of the shapes it was built for. custom_objects reach every
// kind of object the file names (core/registry.h). An unknown class is a ValueError naming it
// and pointing at custom_objects and the register macro.
#pragma once

#include <memory>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/models/model.h"

namespace tandem::models {

struct LoadModelOptions {
  // Restore the compile state too (Keras's compile=True); false gives an uncompiled model.
  bool compile = true;
};

std::shared_ptr<Model> load_model(const std::string& path, const CustomObjects& custom_objects = {},
                                  LoadModelOptions options = {});

}  // namespace tandem::models
