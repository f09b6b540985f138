// ReLU layer: min(max(x, 0), max_value) with an optional slope below 0 (tf.keras.layers.ReLU).
#pragma once

#include <optional>

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct ReLUOptions {
  std::optional<double> max_value = std::nullopt;
  double negative_slope = 0.0;
  double threshold = 0.0;
  LayerOptions layer = {};
};

class ReLU : public Layer {
 public:
  explicit ReLU(ReLUOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  ReLUOptions options_;
};

}  // namespace tandem::layers
