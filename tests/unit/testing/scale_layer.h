// A custom layer (x * factor) that is deliberately not registered: tests of custom_objects and
// save/load use it to check that only the caller's table can rebuild it.
#pragma once

#include <memory>

#include "tandem/layers/layer.h"
#include "tandem/layers/registry.h"
#include "tandem/ops/math.h"

namespace tandem::testing {

class Scale : public Layer {
 public:
  explicit Scale(double factor, LayerOptions options = {})
      : Layer("Scale", options), factor_(factor) {}
  static std::shared_ptr<Layer> from_config(const json& config) {
    return std::make_shared<Scale>(config.at("factor").get<double>(), options_from_config(config));
  }
  json get_config() const override {
    json config = Layer::get_config();
    config["factor"] = factor_;
    return config;
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override { return {inputs[0] * factor_}; }

 private:
  double factor_;
};

}  // namespace tandem::testing
