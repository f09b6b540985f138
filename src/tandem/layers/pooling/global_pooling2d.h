// Global 2-D pooling over the spatial axes of NHWC images: GlobalAveragePooling2D and
// GlobalMaxPooling2D (tf.keras.layers), [batch, h, w, c] -> [batch, c] (or [batch, 1, 1, c] with
// keepdims).
#pragma once

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct GlobalPooling2DOptions {
  bool keepdims = false;
  LayerOptions layer = {};
};

class GlobalAveragePooling2D : public Layer {
 public:
  explicit GlobalAveragePooling2D(GlobalPooling2DOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  bool keepdims_;
};

class GlobalMaxPooling2D : public Layer {
 public:
  explicit GlobalMaxPooling2D(GlobalPooling2DOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  bool keepdims_;
};

using GlobalAvgPool2D = GlobalAveragePooling2D;
using GlobalMaxPool2D = GlobalMaxPooling2D;

}  // namespace tandem::layers
