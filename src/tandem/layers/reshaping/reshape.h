// Layers that rearrange the elements of each sample without changing them: Flatten, Reshape,
// Permute and RepeatVector (tf.keras.layers). The batch dimension is never touched.
#pragma once

#include <vector>

#include "tandem/layers/layer.h"

namespace tandem::layers {

// [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]; rank-1 inputs become [batch, 1].
class Flatten : public Layer {
 public:
  explicit Flatten(LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
};

// [batch, ...] -> [batch, *target_shape]; one entry of target_shape may be -1 (inferred).
class Reshape : public Layer {
 public:
  explicit Reshape(std::vector<int64_t> target_shape, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  std::vector<int64_t> target_shape_;
};

// Permutes the non-batch axes; dims are 1-based as in Keras (Permute({2, 1}) swaps axes 1 and 2).
class Permute : public Layer {
 public:
  explicit Permute(std::vector<int64_t> dims, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  std::vector<int64_t> dims_;
};

// [batch, features] -> [batch, n, features].
class RepeatVector : public Layer {
 public:
  explicit RepeatVector(int64_t n, LayerOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t n_;
};

}  // namespace tandem::layers
