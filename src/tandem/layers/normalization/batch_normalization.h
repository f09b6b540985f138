// BatchNormalization (tf.keras.layers.BatchNormalization): while training, normalizes with the
// batch's mean and variance over every axis but `axis` and moves the moving statistics towards
// them; at inference, normalizes with the moving statistics.
#pragma once

#include "tandem/layers/layer.h"
#include "tandem/ops/nn.h"

namespace tandem::layers {

struct BatchNormalizationOptions {
  int64_t axis = -1;  // the feature axis, kept; the others are reduced
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;                                                   // learn beta
  bool scale = true;                                                    // learn gamma
  initializers::InitializerSpec beta_initializer = nullptr;             // default zeros
  initializers::InitializerSpec gamma_initializer = nullptr;            // default ones
  initializers::InitializerSpec moving_mean_initializer = nullptr;      // default zeros
  initializers::InitializerSpec moving_variance_initializer = nullptr;  // default ones
  LayerOptions layer = {};
};

class BatchNormalization : public Layer {
 public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  const Variable& moving_mean() const { return moving_mean_; }
  const Variable& moving_variance() const { return moving_variance_; }
  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  // For subclasses that keep this layer's config under another class name.
  BatchNormalization(std::string class_name, BatchNormalizationOptions options);
  static BatchNormalizationOptions options_from_json(const json& config);
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  // The training-time mean and population variance of x over every axis but the feature axis,
  // shaped to broadcast against x (SyncBatchNormalization takes them over every replica's batch).
  virtual Moments batch_moments(const Tensor& x) const;
  const std::vector<int64_t>& reduction_axes() const { return reduce_; }
  // Whether batch_moments are x's own (the fused kernel computes those itself); false for
  // moments taken across replicas.
  virtual bool batch_moments_are_local() const { return true; }

 private:
  // Whether the fused kernel serves this call: channels last, float32 / float64 throughout, and in
  // training local moments.
  bool can_fuse(const Tensor& x, bool training) const;
  Tensors call_fused(const Tensor& x, const CallContext& ctx);
  // moving = moving * momentum + batch * (1 - momentum), off the gradient tape.
  void update_moving(Variable& moving, const Tensor& batch_value);

  BatchNormalizationOptions options_;
  int64_t feature_axis_ = -1;    // non-negative, set by build()
  std::vector<int64_t> reduce_;  // every other axis
  Shape param_broadcast_;        // [1, ..., features, ..., 1]
  Variable gamma_, beta_, moving_mean_, moving_variance_;
};

}  // namespace tandem::layers
