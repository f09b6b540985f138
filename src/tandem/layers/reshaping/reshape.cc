#include "tandem/layers/reshaping/reshape.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "tandem/layers/registry.h"
#include "tandem/layers/shape_inference.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

namespace {
// "[3,-1]": Shape's own printing shows -1 as "?", which would hide the inferred entry.
std::string list_string(const std::vector<int64_t>& v) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
  out << ']';
  return out.str();
}

std::vector<int64_t> int_list(const json& config, const char* key, const char* layer) {
  TANDEM_CHECK(config.contains(key) && config[key].is_array(), ValueError, layer,
               ".from_config: expected a list '", key, "', received ", config.dump());
  return config[key].get<std::vector<int64_t>>();
}
}  // namespace

// ---- Flatten ----

Flatten::Flatten(LayerOptions options) : Layer("Flatten", options) {
  set_input_spec({.min_ndim = 1});
}

std::vector<Shape> Flatten::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  return {Shape{s[0], product_or_unknown(s.dims().subspan(1))}};
}

Tensors Flatten::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  return {reshape(x, Flatten::compute_output_shape({x.shape()})[0])};
}

json Flatten::get_config() const {
  json config = Layer::get_config();
  config["data_format"] = "channels_last";
  return config;
}

std::shared_ptr<Layer> Flatten::from_config(const json& config) {
  std::string format = config.value("data_format", std::string("channels_last"));
  TANDEM_CHECK(format == "channels_last", ValueError,
               "Flatten: only data_format 'channels_last' is supported, received '", format, "'");
  return std::make_shared<Flatten>(options_from_config(config));
}

// ---- Reshape ----

Reshape::Reshape(std::vector<int64_t> target_shape, LayerOptions options)
    : Layer("Reshape", options), target_shape_(std::move(target_shape)) {
  int unknown = 0;
  for (int64_t d : target_shape_) {
    TANDEM_CHECK(d > 0 || d == -1, ValueError,
                 "Reshape: expected target_shape entries > 0 or a single -1, received ",
                 list_string(target_shape_));
    unknown += d == -1;
  }
  TANDEM_CHECK(unknown <= 1, ValueError,
               "Reshape: at most one target_shape entry may be -1, received ",
               list_string(target_shape_));
}

std::vector<Shape> Reshape::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  TANDEM_CHECK(s.rank() >= 1, ShapeError, "Reshape '", name(),
               "' expected an input with a batch dimension, received a scalar");
  std::vector<int64_t> dims = target_shape_;
  auto unknown = std::find(dims.begin(), dims.end(), -1);
  int64_t per_sample = product_or_unknown(s.dims().subspan(1));
  if (per_sample >= 0) {
    int64_t known = 1;
    for (int64_t d : dims)
      if (d > 0) known *= d;
    bool fits = unknown == dims.end() ? known == per_sample : per_sample % known == 0;
    TANDEM_CHECK(fits, ValueError, "Reshape '", name(), "': cannot reshape an input of shape ",
                 s.to_list_string(), " (", per_sample, " values per sample) to target_shape ",
                 list_string(target_shape_));
    if (unknown != dims.end()) *unknown = per_sample / known;
  }
  // With an unknown input dimension the -1 entry stays unknown (None), as in Keras.
  dims.insert(dims.begin(), s[0]);
  return {Shape(dims)};
}

Tensors Reshape::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  return {reshape(x, Reshape::compute_output_shape({x.shape()})[0])};
}

json Reshape::get_config() const {
  json config = Layer::get_config();
  config["target_shape"] = target_shape_;
  return config;
}

std::shared_ptr<Layer> Reshape::from_config(const json& config) {
  return std::make_shared<Reshape>(int_list(config, "target_shape", "Reshape"),
                                   options_from_config(config));
}

// ---- Permute ----

Permute::Permute(std::vector<int64_t> dims, LayerOptions options)
    : Layer("Permute", options), dims_(std::move(dims)) {
  std::vector<int64_t> sorted = dims_;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(dims_.size());
  std::iota(expected.begin(), expected.end(), 1);
  TANDEM_CHECK(!dims_.empty() && sorted == expected, ValueError,
               "Permute: expected dims to be a permutation of 1..", dims_.size(),
               " (1-based, the batch axis excluded), received ", list_string(dims_));
  set_input_spec({.ndim = static_cast<int>(dims_.size()) + 1});
}

std::vector<Shape> Permute::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  std::vector<int64_t> dims = {s[0]};
  for (int64_t d : dims_) dims.push_back(s[static_cast<int>(d)]);
  return {Shape(dims)};
}

Tensors Permute::call(const Tensors& inputs, const CallContext&) {
  std::vector<int64_t> perm = {0};
  perm.insert(perm.end(), dims_.begin(), dims_.end());
  return {transpose(inputs[0], perm)};
}

json Permute::get_config() const {
  json config = Layer::get_config();
  config["dims"] = dims_;
  return config;
}

std::shared_ptr<Layer> Permute::from_config(const json& config) {
  return std::make_shared<Permute>(int_list(config, "dims", "Permute"),
                                   options_from_config(config));
}

// ---- RepeatVector ----

RepeatVector::RepeatVector(int64_t n, LayerOptions options)
    : Layer("RepeatVector", options), n_(n) {
  TANDEM_CHECK(n > 0, ValueError, "RepeatVector: expected n > 0, received ", n);
  set_input_spec({.ndim = 2});
}

std::vector<Shape> RepeatVector::compute_output_shape(const std::vector<Shape>& input_shapes) {
  const Shape& s = single_input_shape(input_shapes);
  return {Shape{s[0], n_, s[1]}};
}

Tensors RepeatVector::call(const Tensors& inputs, const CallContext&) {
  return {tile(expand_dims(inputs[0], 1), {1, n_, 1})};
}

json RepeatVector::get_config() const {
  json config = Layer::get_config();
  config["n"] = n_;
  return config;
}

std::shared_ptr<Layer> RepeatVector::from_config(const json& config) {
  TANDEM_CHECK(config.contains("n"), ValueError, "RepeatVector.from_config: missing 'n' in ",
               config.dump());
  return std::make_shared<RepeatVector>(config["n"].get<int64_t>(), options_from_config(config));
}

TANDEM_REGISTER_LAYER(Flatten);
TANDEM_REGISTER_LAYER(Reshape);
TANDEM_REGISTER_LAYER(Permute);
TANDEM_REGISTER_LAYER(RepeatVector);

}  // namespace tandem::layers
