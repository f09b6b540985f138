// Windowed 2-D pooling over NHWC images: MaxPooling2D (alias MaxPool2D) and AveragePooling2D
// (alias AvgPool2D), as tf.keras.layers.
#pragma once

#include <optional>
#include <string>

#include "tandem/layers/layer.h"
#include "tandem/ops/window.h"

namespace tandem::layers {

struct Pooling2DOptions {
  Window2D pool_size = 2;
  std::optional<Window2D> strides = std::nullopt;  // default: pool_size
  std::string padding = "valid";                   // or "same"
  LayerOptions layer = {};
};

// Shared by the max and average variants: window geometry, config and input checks.
class Pooling2D : public Layer {
 public:
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Pooling2D(std::string class_name, Pooling2DOptions options);
  static Pooling2DOptions options_from_pooling_config(const json& config);
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  virtual Tensor pool(const Tensor& x, const Window2D& ksize, const Window2D& strides,
                      const std::string& padding) const = 0;

 private:
  ops::Window2DSize pool_size_, strides_;
  std::string padding_;  // "valid" or "same"
};

class MaxPooling2D : public Pooling2D {
 public:
  explicit MaxPooling2D(Pooling2DOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor pool(const Tensor& x, const Window2D& ksize, const Window2D& strides,
              const std::string& padding) const override;
};

class AveragePooling2D : public Pooling2D {
 public:
  explicit AveragePooling2D(Pooling2DOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensor pool(const Tensor& x, const Window2D& ksize, const Window2D& strides,
              const std::string& padding) const override;
};

using MaxPool2D = MaxPooling2D;
using AvgPool2D = AveragePooling2D;

}  // namespace tandem::layers
