#include "tandem/layers/merging/concatenate.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

namespace {
void check_several(const Layer& layer, const Tensors& inputs) {
  TANDEM_CHECK(inputs.size() >= 2, ValueError, layer.class_name(), " '", layer.name(),
               "' expects a list of at least 2 inputs, received ", inputs.size());
}
}  // namespace

Concatenate::Concatenate(int64_t axis, LayerOptions options)
    : Layer("Concatenate", options), axis_(axis) {}

Tensors Concatenate::call(const Tensors& inputs, const CallContext&) {
  check_several(*this, inputs);
  return {concat(inputs, axis_)};
}

json Concatenate::get_config() const {
  json config = Layer::get_config();
  config["axis"] = axis_;
  return config;
}

std::shared_ptr<Layer> Concatenate::from_config(const json& config) {
  return std::make_shared<Concatenate>(config.value("axis", int64_t{-1}),
                                       options_from_config(config));
}

KerasTensor concatenate(const std::vector<KerasTensor>& inputs, int64_t axis) {
  return (*std::make_shared<Concatenate>(axis))(inputs);
}

Tensor concatenate(const Tensors& inputs, int64_t axis) { return Concatenate(axis)(inputs)[0]; }

Add::Add(LayerOptions options) : Layer("Add", options) {}

Tensors Add::call(const Tensors& inputs, const CallContext&) {
  check_several(*this, inputs);
  Tensor sum = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) sum = sum + inputs[i];
  return {sum};
}

std::shared_ptr<Layer> Add::from_config(const json& config) {
  return std::make_shared<Add>(options_from_config(config));
}

TANDEM_REGISTER_LAYER(Concatenate);
TANDEM_REGISTER_LAYER(Add);

}  // namespace tandem::layers
