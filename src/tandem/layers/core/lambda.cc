#include "tandem/layers/core/lambda.h"

#include "tandem/layers/registry.h"

namespace tandem::layers {
namespace {

LambdaFn single(std::function<Tensor(const Tensor&)> fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "Lambda: the function is empty");
  return [fn = std::move(fn)](const Tensors& inputs) -> Tensors {
    TANDEM_CHECK(inputs.size() == 1, ValueError, "Lambda: this function takes one input, received ",
                 inputs.size());
    return {fn(inputs[0])};
  };
}

}  // namespace

LambdaOutputShape::LambdaOutputShape(Shape per_sample) : per_sample_(std::move(per_sample)) {
  for (int64_t d : per_sample_->dims()) {
    if (d >= -1) continue;
    // Spelled out: Shape's printing shows every negative entry as unknown.
    std::string dims;
    for (int64_t e : per_sample_->dims()) {
      if (!dims.empty()) dims += ",";
      dims += std::to_string(e);
    }
    throw ValueError("Lambda: output_shape dimensions must be >= 0 or -1 (None), received [" +
                     dims + "]");
  }
}

LambdaOutputShape::LambdaOutputShape(LambdaShapeFn fn) : fn_(std::move(fn)) {
  TANDEM_CHECK(fn_ != nullptr, ValueError, "Lambda: the output_shape function is empty");
}

std::vector<Shape> LambdaOutputShape::operator()(const std::vector<Shape>& input_shapes) const {
  if (fn_) return fn_(input_shapes);
  int64_t batch = Shape::kUnknown;
  if (!input_shapes.empty() && input_shapes[0].rank() > 0) batch = input_shapes[0][0];
  std::vector<int64_t> dims = {batch};
  for (int64_t d : per_sample_->dims()) dims.push_back(d);
  return {Shape(dims)};
}

Lambda::Lambda(LambdaFn fn, std::string function_name, LayerOptions options)
    : Layer("Lambda", options), fn_(std::move(fn)), function_name_(std::move(function_name)) {
  TANDEM_CHECK(fn_ != nullptr, ValueError, "Lambda: the function is empty");
}

Lambda::Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name,
               LayerOptions options)
    : Lambda(single(std::move(fn)), std::move(function_name), options) {}

Lambda::Lambda(LambdaFn fn, std::string function_name, LambdaOutputShape output_shape,
               LayerOptions options)
    : Lambda(std::move(fn), std::move(function_name), options) {
  output_shape_ = std::move(output_shape);
}

Lambda::Lambda(std::function<Tensor(const Tensor&)> fn, std::string function_name,
               LambdaOutputShape output_shape, LayerOptions options)
    : Lambda(single(std::move(fn)), std::move(function_name), std::move(output_shape), options) {}

std::vector<Shape> Lambda::compute_output_shape(const std::vector<Shape>& input_shapes) {
  if (!output_shape_) return Layer::compute_output_shape(input_shapes);
  return (*output_shape_)(input_shapes);
}

Tensors Lambda::call(const Tensors& inputs, const CallContext&) { return fn_(inputs); }

json Lambda::get_config() const {
  json config = Layer::get_config();
  config["function"] = function_name_;
  json output_shape = nullptr;
  if (output_shape_ && output_shape_->per_sample()) {
    output_shape = json::array();
    for (int64_t d : output_shape_->per_sample()->dims())
      output_shape.push_back(d < 0 ? json(nullptr) : json(d));
  }
  config["output_shape"] = output_shape;
  return config;
}

std::shared_ptr<Layer> Lambda::from_config(const json& config) {
  std::string name = config.value("function", std::string("lambda"));
  // C++ callables cannot be serialised: the name must resolve (custom_objects, then registered).
  TANDEM_CHECK(lambda_registry().contains(name), ValueError, "Lambda.from_config: function '", name,
               "' is unknown; C++ callables cannot be serialised, so pass it in custom_objects or "
               "register it first with register_lambda(\"",
               name, "\", fn) or TANDEM_REGISTER_LAMBDA(", name, ", fn)");
  LambdaFn fn = lambda_registry().make(name, config);
  TANDEM_CHECK(fn != nullptr, ValueError, "Lambda.from_config: the factory for function '", name,
               "' returned an empty function");
  LayerOptions options = options_from_config(config);
  const json output_shape = config.value("output_shape", json(nullptr));
  if (output_shape.is_array()) {
    std::vector<int64_t> dims;
    for (const json& d : output_shape) dims.push_back(d.is_null() ? -1 : d.get<int64_t>());
    return std::make_shared<Lambda>(std::move(fn), name, LambdaOutputShape(Shape(dims)), options);
  }
  return std::make_shared<Lambda>(std::move(fn), name, options);
}

Registry<LambdaFn>& lambda_registry() {
  static Registry<LambdaFn> registry("Lambda function", "TANDEM_REGISTER_LAMBDA");
  return registry;
}

bool register_lambda(const std::string& function_name, LambdaFn fn) {
  TANDEM_CHECK(fn != nullptr, ValueError, "register_lambda('", function_name,
               "'): the function is empty");
  return lambda_registry().add(function_name,
                               [fn = std::move(fn)](const json&) -> LambdaFn { return fn; });
}

TANDEM_REGISTER_LAYER(Lambda);

}  // namespace tandem::layers
