#include "tandem/layers/merging/concatenate.h"

#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

namespace {
void check_several(const Layer& layer, size_t inputs) {
  TANDEM_CHECK(inputs >= 2, ValueError, layer.class_name(), " '", layer.name(),
               "' expects a list of at least 2 inputs, received ", inputs);
}

std::string shapes_text(const std::vector<Shape>& shapes) {
  std::string text;
  for (const Shape& s : shapes) {
    if (!text.empty()) text += ", ";
    text += s.to_list_string();
  }
  return text;
}
}  // namespace

Concatenate::Concatenate(int64_t axis, LayerOptions options)
    : Layer("Concatenate", options), axis_(axis) {}

std::vector<Shape> Concatenate::compute_output_shape(const std::vector<Shape>& input_shapes) {
  check_several(*this, input_shapes.size());
  const int rank = input_shapes[0].rank();
  const int64_t axis = axis_ < 0 ? axis_ + rank : axis_;
  TANDEM_CHECK(axis >= 0 && axis < rank, ValueError, "Concatenate '", name(), "': axis ", axis_,
               " is out of range for inputs of rank ", rank);
  std::vector<int64_t> dims = input_shapes[0].as_list();
  for (size_t i = 1; i < input_shapes.size(); ++i) {
    const Shape& s = input_shapes[i];
    bool fits = s.rank() == rank;
    for (int d = 0; fits && d < rank; ++d) {
      if (d == axis) {
        // The concatenated axis is known only when every input's is.
        dims[d] = dims[d] < 0 || s[d] < 0 ? Shape::kUnknown : dims[d] + s[d];
      } else if (auto merged = merge_dim(dims[d], s[d])) {
        dims[d] = *merged;
      } else {
        fits = false;
      }
    }
    TANDEM_CHECK(fits, ShapeError, "Concatenate '", name(),
                 "' expects inputs with matching shapes except along the concatenation axis ",
                 axis_, ", received ", shapes_text(input_shapes));
  }
  return {Shape(dims)};
}

Tensors Concatenate::call(const Tensors& inputs, const CallContext&) {
  check_several(*this, inputs.size());
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

std::vector<Shape> Add::compute_output_shape(const std::vector<Shape>& input_shapes) {
  check_several(*this, input_shapes.size());
  // The sum broadcasts its inputs as NumPy does.
  Shape out = input_shapes[0];
  for (size_t i = 1; i < input_shapes.size(); ++i) {
    std::optional<Shape> b = broadcast_dims(out, input_shapes[i]);
    TANDEM_CHECK(b.has_value(), ShapeError, "Add '", name(),
                 "' expects inputs that broadcast together, received ", shapes_text(input_shapes));
    out = *b;
  }
  return {out};
}

Tensors Add::call(const Tensors& inputs, const CallContext&) {
  check_several(*this, inputs.size());
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
