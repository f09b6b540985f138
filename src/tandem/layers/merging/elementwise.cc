#include "tandem/layers/merging/elementwise.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/math.h"

namespace tandem::layers {

ElementwiseMerge::ElementwiseMerge(std::string class_name, LayerOptions options, bool exactly_two)
    : Layer(std::move(class_name), options), exactly_two_(exactly_two) {}

Tensors ElementwiseMerge::call(const Tensors& inputs, const CallContext&) {
  if (exactly_two_) {
    TANDEM_CHECK(inputs.size() == 2, ValueError, class_name(), " '", name(),
                 "' expects a list of exactly 2 inputs, received ", inputs.size());
  } else {
    TANDEM_CHECK(inputs.size() >= 2, ValueError, class_name(), " '", name(),
                 "' expects a list of at least 2 inputs, received ", inputs.size());
  }
  for (size_t i = 1; i < inputs.size(); ++i) {
    TANDEM_CHECK(inputs[i].shape() == inputs[0].shape(), ShapeError, class_name(), " '", name(),
                 "' expects inputs of one shape, received ", inputs[0].shape().to_list_string(),
                 " and ", inputs[i].shape().to_list_string());
  }
  return {merge(inputs)};
}

Subtract::Subtract(LayerOptions options) : ElementwiseMerge("Subtract", options, true) {}
Tensor Subtract::merge(const Tensors& inputs) const { return inputs[0] - inputs[1]; }
std::shared_ptr<Layer> Subtract::from_config(const json& config) {
  return std::make_shared<Subtract>(options_from_config(config));
}

Multiply::Multiply(LayerOptions options) : ElementwiseMerge("Multiply", options) {}
Tensor Multiply::merge(const Tensors& inputs) const {
  Tensor product = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) product = product * inputs[i];
  return product;
}
std::shared_ptr<Layer> Multiply::from_config(const json& config) {
  return std::make_shared<Multiply>(options_from_config(config));
}

Average::Average(LayerOptions options) : ElementwiseMerge("Average", options) {}
Tensor Average::merge(const Tensors& inputs) const {
  Tensor sum = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) sum = sum + inputs[i];
  return sum / static_cast<double>(inputs.size());
}
std::shared_ptr<Layer> Average::from_config(const json& config) {
  return std::make_shared<Average>(options_from_config(config));
}

Maximum::Maximum(LayerOptions options) : ElementwiseMerge("Maximum", options) {}
Tensor Maximum::merge(const Tensors& inputs) const {
  Tensor result = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) result = maximum(result, inputs[i]);
  return result;
}
std::shared_ptr<Layer> Maximum::from_config(const json& config) {
  return std::make_shared<Maximum>(options_from_config(config));
}

Minimum::Minimum(LayerOptions options) : ElementwiseMerge("Minimum", options) {}
Tensor Minimum::merge(const Tensors& inputs) const {
  Tensor result = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) result = minimum(result, inputs[i]);
  return result;
}
std::shared_ptr<Layer> Minimum::from_config(const json& config) {
  return std::make_shared<Minimum>(options_from_config(config));
}

TANDEM_REGISTER_LAYER(Subtract);
TANDEM_REGISTER_LAYER(Multiply);
TANDEM_REGISTER_LAYER(Average);
TANDEM_REGISTER_LAYER(Maximum);
TANDEM_REGISTER_LAYER(Minimum);

}  // namespace tandem::layers
