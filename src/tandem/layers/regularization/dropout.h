// Dropout: while training, zeroes inputs with probability `rate` and scales the rest by
// 1 / (1 - rate); the identity at inference (tf.keras.layers.Dropout).
#pragma once

#include <optional>
#include <vector>

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct DropoutOptions {
  // Shape of the keep mask (-1 takes the input's dimension), e.g. {-1, 1, 1, -1} drops whole
  // feature maps. Default: the input's shape.
  std::optional<std::vector<int64_t>> noise_shape = std::nullopt;
  // With a seed, the sequence of masks is reproducible; each training call still draws a new one.
  std::optional<uint64_t> seed = std::nullopt;
  LayerOptions layer = {};
};

class Dropout : public Layer {
 public:
  explicit Dropout(double rate, DropoutOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;
  double rate() const { return rate_; }

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  double rate_;
  DropoutOptions options_;
  uint64_t calls_ = 0;  // training calls so far: derives a fresh per-call seed from the seed
};

// The op-level seed of a seeded stochastic layer's n-th training call: distinct per call, the same
// sequence for the same seed.
uint64_t per_call_seed(uint64_t seed, uint64_t call);

}  // namespace tandem::layers
