#include "tandem/layers/core/dense.h"

#include "tandem/layers/core/kernel_bias_config.h"
#include "tandem/layers/registry.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"

namespace tandem::layers {

Dense::Dense(int64_t units, DenseOptions options)
    : Layer("Dense", options.layer), units_(units), options_(std::move(options)) {
  TANDEM_CHECK(units > 0, ValueError, "Dense: expected units > 0, received ", units);
  set_input_spec({.min_ndim = 2});
}

void Dense::build(const std::vector<Shape>& input_shapes) {
  const Shape& s = input_shapes.at(0);
  int64_t last = s[s.rank() - 1];
  TANDEM_CHECK(last > 0, ShapeError, "Dense '", name(),
               "': the last dimension of the input must be known, received ", s.to_list_string());
  kernel_ = add_weight("kernel", Shape{last, units_},
                       {.initializer = options_.kernel_initializer,
                        .regularizer = options_.kernel_regularizer,
                        .constraint = options_.kernel_constraint});
  if (options_.use_bias) {
    bias_ = add_weight("bias", Shape{units_},
                       {.initializer = options_.bias_initializer ? options_.bias_initializer
                                                                 : initializers::zeros(),
                        .regularizer = options_.bias_regularizer,
                        .constraint = options_.bias_constraint});
  }
  set_input_spec({.min_ndim = 2, .axes = {{-1, last}}});
  Layer::build(input_shapes);
}

std::vector<Shape> Dense::compute_output_shape(const std::vector<Shape>& input_shapes) {
  // [..., in] -> [..., units]: the leading dimensions pass through, known or not.
  std::vector<int64_t> dims = single_input_shape(input_shapes).as_list();
  dims.back() = units_;
  return {Shape(dims)};
}

Tensors Dense::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  // x arrives in compute_dtype(), the kernel's dtype (Layer's autocast).
  Tensor kernel = kernel_.value();
  Tensor y;
  if (x.rank() == 2) {
    y = matmul(x, kernel);
  } else {
    // [..., in] @ [in, units]: tensordot over the last axis keeps the leading dimensions.
    y = tensordot(x, kernel, TensordotAxes{{x.rank() - 1}, {0}});
  }
  if (options_.use_bias) y = y + bias_.value();
  return {options_.activation(y)};
}

json Dense::get_config() const {
  json config = Layer::get_config();
  config["units"] = units_;
  write_kernel_bias_config(config, options_);
  return config;
}

std::shared_ptr<Layer> Dense::from_config(const json& config) {
  DenseOptions o;
  read_kernel_bias_config(config, o);
  TANDEM_CHECK(config.contains("units"), ValueError, "Dense.from_config: missing 'units' in ",
               config.dump());
  return std::make_shared<Dense>(config["units"].get<int64_t>(), o);
}

std::shared_ptr<Dense> make_dense(int64_t units, DenseOptions options) {
  return std::make_shared<Dense>(units, std::move(options));
}

TANDEM_REGISTER_LAYER(Dense);

}  // namespace tandem::layers
