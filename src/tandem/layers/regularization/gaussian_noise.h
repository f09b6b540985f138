// GaussianNoise: while training, adds zero-mean normal noise of standard deviation `stddev`; the
// identity at inference (tf.keras.layers.GaussianNoise).
#pragma once

#include <optional>

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct GaussianNoiseOptions {
  // With a seed, the sequence of noise draws is reproducible; each training call draws anew.
  std::optional<uint64_t> seed = std::nullopt;
  LayerOptions layer = {};
};

class GaussianNoise : public Layer {
 public:
  explicit GaussianNoise(double stddev, GaussianNoiseOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  double stddev_;
  GaussianNoiseOptions options_;
  uint64_t calls_ = 0;
};

}  // namespace tandem::layers
