#include "tandem/layers/activation/activations.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::layers {

// ---- Activation ----

Activation::Activation(activations::Activation activation, LayerOptions options)
    : Layer("Activation", options), activation_(std::move(activation)) {}

std::vector<Shape> Activation::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // element-wise
}

Tensors Activation::call(const Tensors& inputs, const CallContext&) {
  return {activation_(inputs[0])};
}

json Activation::get_config() const {
  json config = Layer::get_config();
  config["activation"] = activation_.name;
  return config;
}

std::shared_ptr<Layer> Activation::from_config(const json& config) {
  TANDEM_CHECK(config.contains("activation") && config["activation"].is_string(), ValueError,
               "Activation.from_config: expected a string 'activation', received ", config.dump());
  return std::make_shared<Activation>(activations::get(config["activation"].get<std::string>()),
                                      options_from_config(config));
}

// ---- LeakyReLU ----

LeakyReLU::LeakyReLU(double alpha, LayerOptions options)
    : Layer("LeakyReLU", options), alpha_(alpha) {
  TANDEM_CHECK(alpha >= 0, ValueError, "LeakyReLU: expected alpha >= 0, received ", alpha);
}

std::vector<Shape> LeakyReLU::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // element-wise
}

Tensors LeakyReLU::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  // where() rather than leaky_relu(x, float) keeps alpha exact in float64.
  return {where(x >= 0.0, x, x * alpha_)};
}

json LeakyReLU::get_config() const {
  json config = Layer::get_config();
  config["alpha"] = alpha_;
  return config;
}

std::shared_ptr<Layer> LeakyReLU::from_config(const json& config) {
  return std::make_shared<LeakyReLU>(config.value("alpha", 0.3), options_from_config(config));
}

// ---- ELU ----

ELU::ELU(double alpha, LayerOptions options) : Layer("ELU", options), alpha_(alpha) {}

std::vector<Shape> ELU::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // element-wise
}

Tensors ELU::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  // expm1 of min(x, 0) so the unused branch never overflows (and its gradient stays finite).
  Tensor negative_part = expm1(minimum(x, zeros_like(x))) * alpha_;
  return {where(x > 0.0, x, negative_part)};
}

json ELU::get_config() const {
  json config = Layer::get_config();
  config["alpha"] = alpha_;
  return config;
}

std::shared_ptr<Layer> ELU::from_config(const json& config) {
  return std::make_shared<ELU>(config.value("alpha", 1.0), options_from_config(config));
}

// ---- Softmax ----

Softmax::Softmax(int64_t axis, LayerOptions options) : Layer("Softmax", options), axis_(axis) {}

std::vector<Shape> Softmax::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return {single_input_shape(input_shapes)};  // normalizes along an axis
}

Tensors Softmax::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  TANDEM_CHECK(axis_ >= -x.rank() && axis_ < x.rank(), ValueError, "Softmax '", name(), "': axis ",
               axis_, " is out of range for an input of shape ", x.shape().to_list_string());
  return {softmax(x, axis_)};
}

json Softmax::get_config() const {
  json config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

std::shared_ptr<Layer> Softmax::from_config(const json& config) {
  return std::make_shared<Softmax>(config.value("axis", int64_t{-1}), options_from_config(config));
}

TANDEM_REGISTER_LAYER(Activation);
TANDEM_REGISTER_LAYER(LeakyReLU);
TANDEM_REGISTER_LAYER(ELU);
TANDEM_REGISTER_LAYER(Softmax);

}  // namespace tandem::layers
