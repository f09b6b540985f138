#include "tandem/layers/recurrent/lstm.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {
namespace {

json recurrent_config(const json& base, int64_t units, const RecurrentOptions& o) {
  json config = base;
  config["units"] = units;
  config["activation"] = o.activation.name;
  config["recurrent_activation"] = o.recurrent_activation.name;
  config["use_bias"] = o.use_bias;
  config["return_sequences"] = o.return_sequences;
  config["return_state"] = o.return_state;
  return config;
}

RecurrentOptions recurrent_options(const json& config) {
  RecurrentOptions o;
  o.activation = activations::get(config.value("activation", std::string("tanh")));
  o.recurrent_activation =
      activations::get(config.value("recurrent_activation", std::string("sigmoid")));
  o.use_bias = config.value("use_bias", true);
  o.return_sequences = config.value("return_sequences", false);
  o.return_state = config.value("return_state", false);
  o.unit_forget_bias = config.value("unit_forget_bias", true);
  o.layer = Layer::options_from_config(config);
  return o;
}

int64_t check_units(const char* who, int64_t units) {
  TANDEM_CHECK(units > 0, ValueError, who, ": expected units > 0, received ", units);
  return units;
}

// [batch, time, features] -> [batch, time, units] (return_sequences) or [batch, units], then
// `states` final states of [batch, units] with return_state.
std::vector<Shape> recurrent_output_shapes(const Shape& s, int64_t units, const RecurrentOptions& o,
                                           int states) {
  std::vector<Shape> out = {o.return_sequences ? Shape{s[0], s[1], units} : Shape{s[0], units}};
  if (o.return_state)
    for (int i = 0; i < states; ++i) out.push_back(Shape{s[0], units});
  return out;
}

// Splits the last axis into `n` equal gate blocks.
std::vector<Tensor> gates(const Tensor& z, int64_t n) { return split(z, n, -1); }

}  // namespace

LSTM::LSTM(int64_t units, RecurrentOptions options)
    : Layer("LSTM", options.layer),
      units_(check_units("LSTM", units)),
      options_(std::move(options)) {
  set_input_spec({.ndim = 3});
}

void LSTM::build(const std::vector<Shape>& input_shapes) {
  int64_t features = input_shapes.at(0)[2];
  TANDEM_CHECK(features > 0, ShapeError, "LSTM '", name(),
               "': the feature dimension of the input must be known, received ",
               input_shapes[0].to_list_string());
  kernel_ = add_weight("kernel", Shape{features, 4 * units_});
  recurrent_kernel_ = add_weight("recurrent_kernel", Shape{units_, 4 * units_},
                                 {.initializer = initializers::orthogonal()});
  if (options_.use_bias) {
    int64_t u = units_;
    bool forget_one = options_.unit_forget_bias;
    auto init =
        initializers::make_initializer("LSTMBias", [u, forget_one](const Shape& s, DType dtype) {
          std::vector<double> v(static_cast<size_t>(4 * u), 0.0);
          if (forget_one)
            for (int64_t k = u; k < 2 * u; ++k) v[k] = 1.0;
          return cast(Tensor::from_vector(v, s), dtype);
        });
    bias_ = add_weight("bias", Shape{4 * units_}, {.initializer = init});
  }
  set_input_spec({.ndim = 3, .axes = {{-1, features}}});
  Layer::build(input_shapes);
}

std::vector<Shape> LSTM::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return recurrent_output_shapes(single_input_shape(input_shapes), units_, options_, 2);
}

Tensors LSTM::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  int64_t batch = x.shape()[0];
  // x arrives in compute_dtype(), the weights' dtype (Layer's autocast).
  Tensor kernel = kernel_.value(), recurrent = recurrent_kernel_.value();
  Tensor h = zeros(Shape{batch, units_}, x.dtype()), c = zeros(Shape{batch, units_}, x.dtype());
  std::vector<Tensor> outputs;
  for (const Tensor& xt : unstack(x, 1)) {
    Tensor z = matmul(xt, kernel) + matmul(h, recurrent);
    if (options_.use_bias) z = z + bias_.value();
    std::vector<Tensor> g = gates(z, 4);
    Tensor i = options_.recurrent_activation(g[0]), f = options_.recurrent_activation(g[1]);
    Tensor o = options_.recurrent_activation(g[3]);
    c = f * c + i * options_.activation(g[2]);
    h = o * options_.activation(c);
    if (options_.return_sequences) outputs.push_back(h);
  }
  Tensor out = options_.return_sequences ? stack(outputs, 1) : h;
  if (options_.return_state) return {out, h, c};
  return {out};
}

json LSTM::get_config() const {
  json config = recurrent_config(Layer::get_config(), units_, options_);
  config["unit_forget_bias"] = options_.unit_forget_bias;
  return config;
}

std::shared_ptr<Layer> LSTM::from_config(const json& config) {
  return std::make_shared<LSTM>(config.at("units").get<int64_t>(), recurrent_options(config));
}

GRU::GRU(int64_t units, RecurrentOptions options)
    : Layer("GRU", options.layer), units_(check_units("GRU", units)), options_(std::move(options)) {
  set_input_spec({.ndim = 3});
}

void GRU::build(const std::vector<Shape>& input_shapes) {
  int64_t features = input_shapes.at(0)[2];
  TANDEM_CHECK(features > 0, ShapeError, "GRU '", name(),
               "': the feature dimension of the input must be known, received ",
               input_shapes[0].to_list_string());
  kernel_ = add_weight("kernel", Shape{features, 3 * units_});
  recurrent_kernel_ = add_weight("recurrent_kernel", Shape{units_, 3 * units_},
                                 {.initializer = initializers::orthogonal()});
  // reset_after = true (Keras 2's default): separate input and recurrent biases, shape [2, 3u].
  if (options_.use_bias)
    bias_ = add_weight("bias", Shape{2, 3 * units_}, {.initializer = initializers::zeros()});
  set_input_spec({.ndim = 3, .axes = {{-1, features}}});
  Layer::build(input_shapes);
}

std::vector<Shape> GRU::compute_output_shape(const std::vector<Shape>& input_shapes) {
  return recurrent_output_shapes(single_input_shape(input_shapes), units_, options_, 1);
}

Tensors GRU::call(const Tensors& inputs, const CallContext&) {
  const Tensor& x = inputs[0];
  int64_t batch = x.shape()[0];
  // x arrives in compute_dtype(), the weights' dtype (Layer's autocast).
  Tensor kernel = kernel_.value(), recurrent = recurrent_kernel_.value();
  Tensor input_bias, recurrent_bias;
  if (options_.use_bias) {
    std::vector<Tensor> b = unstack(bias_.value(), 0);
    input_bias = b[0];
    recurrent_bias = b[1];
  }
  Tensor h = zeros(Shape{batch, units_}, x.dtype());
  std::vector<Tensor> outputs;
  for (const Tensor& xt : unstack(x, 1)) {
    Tensor xz = matmul(xt, kernel), hz = matmul(h, recurrent);
    if (options_.use_bias) {
      xz = xz + input_bias;
      hz = hz + recurrent_bias;
    }
    std::vector<Tensor> xg = gates(xz, 3), hg = gates(hz, 3);
    Tensor z = options_.recurrent_activation(xg[0] + hg[0]);
    Tensor r = options_.recurrent_activation(xg[1] + hg[1]);
    Tensor candidate = options_.activation(xg[2] + r * hg[2]);
    h = z * h + (1.0 - z) * candidate;
    if (options_.return_sequences) outputs.push_back(h);
  }
  Tensor out = options_.return_sequences ? stack(outputs, 1) : h;
  if (options_.return_state) return {out, h};
  return {out};
}

json GRU::get_config() const {
  json config = recurrent_config(Layer::get_config(), units_, options_);
  config["reset_after"] = true;
  return config;
}

std::shared_ptr<Layer> GRU::from_config(const json& config) {
  TANDEM_CHECK(config.value("reset_after", true), ValueError,
               "GRU.from_config: only reset_after = true (Keras 2's default) is supported");
  return std::make_shared<GRU>(config.at("units").get<int64_t>(), recurrent_options(config));
}

TANDEM_REGISTER_LAYER(LSTM);
TANDEM_REGISTER_LAYER(GRU);

}  // namespace tandem::layers
