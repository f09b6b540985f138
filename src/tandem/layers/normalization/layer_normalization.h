// LayerNormalization: normalizes each sample over `axis` to zero mean and unit variance, then
// scales by gamma and shifts by beta (tf.keras.layers.LayerNormalization).
#pragma once

#include <vector>

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct LayerNormalizationOptions {
  std::vector<int64_t> axis = {-1};  // the normalized axes (never the batch axis)
  double epsilon = 1e-3;
  bool center = true;                                         // learn beta
  bool scale = true;                                          // learn gamma
  initializers::InitializerSpec beta_initializer = nullptr;   // default zeros
  initializers::InitializerSpec gamma_initializer = nullptr;  // default ones
  LayerOptions layer = {};
};

class LayerNormalization : public Layer {
 public:
  explicit LayerNormalization(LayerNormalizationOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  LayerNormalizationOptions options_;
  std::vector<int64_t> axes_;  // non-negative, sorted, set by build()
  Shape param_broadcast_;      // gamma/beta reshaped to broadcast against the input
  Variable gamma_, beta_;
};

}  // namespace tandem::layers
