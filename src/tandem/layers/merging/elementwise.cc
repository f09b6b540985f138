#include "tandem/layers/merging/elementwise.h"

#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"
#include "tandem/ops/math.h"

namespace tandem::layers {

ElementwiseMerge::ElementwiseMerge(std::string class_name, LayerOptions options, bool exactly_two)
    : Layer(std::move(class_name), options), exactly_two_(exactly_two) {}

std::vector<Shape> ElementwiseMerge::compute_output_shape(const std::vector<Shape>& input_shapes) {
  if (exactly_two_) {
    TANDEM_CHECK(input_shapes.size() == 2, ValueError, class_name(), " '", name(),
                 "' expects a list of exactly 2 inputs, received ", input_shapes.size());
  } else {
    TANDEM_CHECK(input_shapes.size() >= 2, ValueError, class_name(), " '", name(),
                 "' expects a list of at least 2 inputs, received ", input_shapes.size());
  }
  std::vector<int64_t> dims = input_shapes[0].as_list();
  for (size_t i = 1; i < input_shapes.size(); ++i) {
    const Shape& s = input_shapes[i];
    bool same = s.rank() == input_shapes[0].rank();
    for (int d = 0; same && d < s.rank(); ++d) {
      std::optional<int64_t> merged = merge_dim(dims[d], s[d]);
      same = merged.has_value();
      if (same) dims[d] = *merged;
    }
    TANDEM_CHECK(same, ShapeError, class_name(), " '", name(),
                 "' expects inputs of one shape, received ", input_shapes[0].to_list_string(),
                 " and ", s.to_list_string());
  }
  return {Shape(dims)};
}

Tensors ElementwiseMerge::call(const Tensors& inputs, const CallContext&) {
  std::vector<Shape> shapes;
  for (const Tensor& x : inputs) shapes.push_back(x.shape());
  ElementwiseMerge::compute_output_shape(shapes);  // the inputs' count and shapes
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
