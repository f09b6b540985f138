// Merging layers: Concatenate (along an axis) and Add (element-wise sum) of several inputs.
#pragma once

#include "tandem/layers/layer.h"

namespace tandem::layers {

class Concatenate : public Layer {
 public:
  explicit Concatenate(int64_t axis = -1, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t axis_;
};

class Add : public Layer {
 public:
  explicit Add(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
};

}  // namespace tandem::layers
