// ZeroPadding2D: adds rows and columns of zeros around NHWC images (tf.keras.layers.ZeroPadding2D).
#pragma once

#include <utility>

#include "tandem/layers/layer.h"

namespace tandem::layers {

class ZeroPadding2D : public Layer {
 public:
  using Pair = std::pair<int64_t, int64_t>;
  // The same padding on all four sides.
  explicit ZeroPadding2D(int64_t padding = 1, LayerOptions options = {});
  // {rows above and below, columns left and right}.
  explicit ZeroPadding2D(Pair symmetric, LayerOptions options = {});
  // {top, bottom} and {left, right}.
  ZeroPadding2D(Pair height, Pair width, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  Pair height_, width_;
};

}  // namespace tandem::layers
