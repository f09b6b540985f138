// Recurrent layers over [batch, time, features] inputs: LSTM and GRU with Keras's weight layout
// (gate order i, f, c, o for LSTM; z, r, h for GRU with reset_after = true), so weights move
// between Tandem and Keras unchanged.
#pragma once

#include "tandem/activations/activation.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

struct RecurrentOptions {
  activations::Activation activation = "tanh";
  activations::Activation recurrent_activation = "sigmoid";
  bool use_bias = true;
  bool return_sequences = false;  // all time steps [batch, time, units] instead of the last one
  bool return_state = false;      // also return the final state(s)
  bool unit_forget_bias = true;   // LSTM: forget-gate bias starts at 1
  LayerOptions layer = {};
};

class LSTM : public Layer {
 public:
  LSTM(int64_t units, RecurrentOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  // Outputs: [output] or, with return_state, [output, h, c].
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t units_;
  RecurrentOptions options_;
  Variable kernel_, recurrent_kernel_, bias_;
};

class GRU : public Layer {
 public:
  GRU(int64_t units, RecurrentOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);
  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  // Outputs: [output] or, with return_state, [output, h].
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;

 private:
  int64_t units_;
  RecurrentOptions options_;
  Variable kernel_, recurrent_kernel_, bias_;
};

}  // namespace tandem::layers
