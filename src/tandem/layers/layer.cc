#include "tandem/layers/layer.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <regex>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"

namespace tandem {
namespace {

// The call context of the innermost layer call on this thread: sublayers inherit `training` and
// `symbolic` from it, as Keras's call context does.
thread_local const CallContext* active_context = nullptr;

class ContextScope {
 public:
  explicit ContextScope(const CallContext* ctx) : saved_(active_context) { active_context = ctx; }
  ~ContextScope() { active_context = saved_; }

 private:
  const CallContext* saved_;
};

std::mutex& names_mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, int>& name_counts() {
  static std::map<std::string, int> counts;
  return counts;
}

// Keras's to_snake_case: "ReLU" -> "re_lu", "Conv2D" -> "conv2d", "BatchNormalization" ->
// "batch_normalization".
std::string snake_case(const std::string& name) {
  static const std::regex first("(.)([A-Z][a-z0-9]+)"), second("([a-z])([A-Z])");
  std::string s = std::regex_replace(name, first, "$1_$2");
  s = std::regex_replace(s, second, "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string describe(const Layer& layer) { return layer.class_name() + " '" + layer.name() + "'"; }

using detail::LayerMover;
std::mutex& movers_mutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::type_index, LayerMover>& movers() {
  static std::map<std::type_index, LayerMover> table;
  return table;
}

}  // namespace

bool detail::register_layer_mover(std::type_index type, LayerMover mover) {
  std::lock_guard<std::mutex> lock(movers_mutex());
  movers()[type] = mover;
  return true;
}

KerasTensors::operator KerasTensor() const {
  TANDEM_CHECK(size() == 1, ValueError, "a layer call returned ", size(),
               " symbolic outputs where one was expected; index the result instead");
  return front();
}

std::string unique_layer_name(const std::string& class_name, bool zero_based) {
  std::string base = snake_case(class_name);
  std::lock_guard<std::mutex> lock(names_mutex());
  int n = name_counts()[base]++;
  if (!zero_based) return base + "_" + std::to_string(n + 1);
  return n == 0 ? base : base + "_" + std::to_string(n);
}

void clear_session() {
  std::lock_guard<std::mutex> lock(names_mutex());
  name_counts().clear();
}

Layer::Layer(std::string class_name, LayerOptions options)
    : class_name_(std::move(class_name)),
      name_(options.name.empty() ? unique_layer_name(class_name_) : options.name),
      dtype_(options.dtype),
      input_shape_(std::move(options.input_shape)),
      trainable_(options.trainable) {}

// ---- calling ----

Tensor Layer::operator()(const Tensor& input, std::optional<bool> training) & {
  Tensors out = (*this)(Tensors{input}, training);
  TANDEM_CHECK(out.size() == 1, ValueError, describe(*this), " returned ", out.size(),
               " outputs; call it with a list of inputs to receive them all");
  return out[0];
}

Tensors Layer::operator()(const Tensors& inputs, std::optional<bool> training) & {
  CallContext ctx;
  if (active_context) ctx = *active_context;
  if (training) ctx.training = *training;
  return run(inputs, ctx);
}

Tensors Layer::run(const Tensors& inputs, const CallContext& ctx) {
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TANDEM_CHECK(inputs[i].defined(), ValueError, describe(*this), ": input ", i, " is undefined");
    shapes.push_back(inputs[i].shape());
    dtypes.push_back(inputs[i].dtype());
  }
  check_input(shapes, dtypes);
  ensure_built(shapes);
  if (!ctx.symbolic) {
    call_losses_.clear();
    metrics_.clear();
  }
  ContextScope scope(&ctx);
  Tensors outputs = call(autocast_inputs(inputs), ctx);
  on_outputs(outputs);
  after_first_call();
  return outputs;
}

Tensors Layer::autocast_inputs(const Tensors& inputs) const {
  std::vector<DType> received;
  for (const Tensor& t : inputs) received.push_back(t.dtype());
  std::vector<DType> wanted = autocast_dtypes(received);
  Tensors cast_inputs = inputs;
  for (size_t i = 0; i < cast_inputs.size(); ++i)
    if (wanted[i] != received[i]) cast_inputs[i] = cast(cast_inputs[i], wanted[i]);
  return cast_inputs;
}

std::vector<DType> Layer::autocast_dtypes(const std::vector<DType>& received) const {
  if (!autocast_ || !is_floating(dtype_)) return received;
  // Floating weights of its own: the layer computes with them, so an integer input would either
  // fail deep in an op or, worse, compute with truncated weights. Keras casts only floating inputs
  // (tf.matmul then rejects the integer one); Tandem says so here, naming the layer.
  bool floating_weights = std::any_of(weights_.begin(), weights_.end(), [](const Weight& w) {
    return is_floating(w.variable.dtype());
  });
  std::vector<DType> wanted = received;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (is_floating(received[i])) {
      wanted[i] = dtype_;
      continue;
    }
    TANDEM_CHECK(!floating_weights, TypeError, describe(*this), " computes in ", dtype_name(dtype_),
                 " and expected a floating input, received ", dtype_name(received[i]),
                 (received.size() > 1 ? " for input " + std::to_string(i) : ""),
                 ": cast it first (cast(x, ", dtype_name(dtype_),
                 ")); layers cast only floating inputs, as Keras does");
  }
  return wanted;
}

void Layer::ensure_built(const std::vector<Shape>& input_shapes) {
  if (built_) return;
  build_input_shapes_ = input_shapes;
  build(input_shapes);
  built_ = true;
}

void Layer::build(const std::vector<Shape>& input_shapes) {
  built_ = true;
  build_input_shapes_ = input_shapes;
  on_built();
}

void Layer::after_first_call() {
  if (called_) return;
  called_ = true;
  // A layer that makes its weights in call() (a subclassed model's sublayers) has them now.
  on_built();
}

KerasTensor Layer::operator()(const KerasTensor& input) & {
  std::vector<KerasTensor> out = (*this)(std::vector<KerasTensor>{input});
  TANDEM_CHECK(out.size() == 1, ValueError, describe(*this), " returned ", out.size(),
               " outputs; call it with a list of inputs to receive them all");
  return out[0];
}

KerasTensors Layer::operator()(const std::vector<KerasTensor>& inputs) & {
  std::shared_ptr<Layer> self = weak_from_this().lock();
  TANDEM_CHECK(self != nullptr, ValueError, describe(*this),
               ": layers used in a functional graph must be held by std::shared_ptr (create them "
               "with std::make_shared, or call a temporary: Dense(64)(x))");
  return call_symbolic(self, inputs);
}

Tensor Layer::operator()(const Tensor& input, std::optional<bool> training) && {
  return (*this)(input, training);  // *this is an lvalue here: the eager call needs no owner
}

Tensors Layer::operator()(const Tensors& inputs, std::optional<bool> training) && {
  return (*this)(inputs, training);
}

KerasTensor Layer::operator()(const KerasTensor& input) && {
  KerasTensors out = std::move(*this)(std::vector<KerasTensor>{input});
  TANDEM_CHECK(out.size() == 1, ValueError, "layer returned ", out.size(),
               " outputs; call it with a list of inputs to receive them all");
  return out[0];
}

KerasTensors Layer::operator()(const std::vector<KerasTensor>& inputs) && {
  // Already owned (e.g. std::move(*ptr)): the owner keeps it, nothing to box.
  if (std::shared_ptr<Layer> self = weak_from_this().lock()) return call_symbolic(self, inputs);
  LayerMover mover = nullptr;
  {
    std::lock_guard<std::mutex> lock(movers_mutex());
    auto it = movers().find(std::type_index(typeid(*this)));
    if (it != movers().end()) mover = it->second;
  }
  TANDEM_CHECK(mover != nullptr, ValueError, describe(*this),
               " was called as a temporary on symbolic inputs, but its class cannot be boxed: "
               "register it with TANDEM_REGISTER_LAYER (and keep it movable), or create it with "
               "std::make_shared");
  std::shared_ptr<Layer> boxed = mover(std::move(*this));
  return boxed->call_symbolic(boxed, inputs);
}

KerasTensors Layer::call_symbolic(const std::shared_ptr<Layer>& self,
                                  const std::vector<KerasTensor>& inputs) {
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (const KerasTensor& t : inputs) {
    TANDEM_CHECK(t.defined(), ValueError, describe(*this),
                 ": symbolic input does not come from Input() or a layer call");
    shapes.push_back(t.shape());
    dtypes.push_back(t.dtype());
  }
  std::vector<OutputSpec> outputs = infer_output_spec(shapes, dtypes);
  auto node = std::make_shared<Node>();
  node->layer = self;
  node->inputs = inputs;
  node->node_index = inbound_nodes_++;
  KerasTensors result;
  for (size_t i = 0; i < outputs.size(); ++i) {
    node->output_shapes.push_back(outputs[i].shape);
    result.emplace_back(outputs[i].shape, outputs[i].dtype, node, static_cast<int>(i));
  }
  return result;
}

std::vector<OutputSpec> Layer::infer_output_spec(const std::vector<Shape>& input_shapes,
                                                 std::vector<DType> input_dtypes) {
  if (input_dtypes.empty())
    input_dtypes.assign(input_shapes.size(), input_spec_.dtype.value_or(dtype_));
  TANDEM_CHECK(input_dtypes.size() == input_shapes.size(), ValueError, describe(*this),
               ": received ", input_shapes.size(), " input shapes but ", input_dtypes.size(),
               " input dtypes");
  check_input(input_shapes, input_dtypes);
  ensure_built(input_shapes);
  // The dtypes call() would receive: a layer with a formula then reports its compute dtype, and
  // an integer input it rejects fails here as it would at a real call.
  return compute_output_spec(input_shapes, autocast_dtypes(input_dtypes));
}

std::vector<OutputSpec> Layer::compute_output_spec(const std::vector<Shape>& input_shapes,
                                                   const std::vector<DType>& input_dtypes) {
  // The base compute_output_shape answers with a placeholder call and leaves its outputs in the
  // probe: then the dtypes are those the call produced.
  ShapeProbe probe{input_dtypes, std::nullopt};
  struct Reset {
    ShapeProbe*& probe;
    ShapeProbe* saved;
    ~Reset() { probe = saved; }
  } reset{probe_, probe_};
  probe_ = &probe;
  std::vector<Shape> shapes = compute_output_shape(input_shapes);
  if (probe.placeholder_outputs) return *probe.placeholder_outputs;
  DType dtype = compute_output_dtype(input_dtypes);
  std::vector<OutputSpec> result;
  for (Shape& s : shapes) result.push_back({std::move(s), dtype});
  return result;
}

DType Layer::compute_output_dtype(const std::vector<DType>& input_dtypes) const {
  return input_dtypes.empty() ? dtype_ : input_dtypes[0];
}

std::vector<Shape> Layer::compute_output_shape(const std::vector<Shape>& input_shapes) {
  std::vector<DType> dtypes =
      probe_ ? probe_->input_dtypes
             : std::vector<DType>(input_shapes.size(), input_spec_.dtype.value_or(dtype_));
  std::vector<OutputSpec> outputs = placeholder_outputs(input_shapes, dtypes);
  if (probe_) probe_->placeholder_outputs = outputs;
  std::vector<Shape> result;
  for (const OutputSpec& o : outputs) result.push_back(o.shape);
  return result;
}

std::vector<OutputSpec> Layer::placeholder_outputs(const std::vector<Shape>& shapes,
                                                   const std::vector<DType>& dtypes) {
  // Run call() once on zeros, with unknown dimensions set to 1, without recording anything.
  Tensors placeholders;
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<int64_t> dims = shapes[i].as_list();
    for (int64_t& d : dims) d = d < 0 ? 1 : d;
    placeholders.push_back(zeros(Shape(dims), dtypes[i]));
  }
  ensure_built(shapes);
  CallContext ctx;
  ctx.symbolic = true;
  Tensors out;
  {
    autodiff::PauseAllTapes pause;
    ContextScope scope(&ctx);
    out = call(autocast_inputs(placeholders), ctx);
  }
  on_outputs(out);
  after_first_call();
  bool batch_unknown = !shapes.empty() && shapes[0].rank() > 0 && shapes[0][0] < 0;
  std::vector<OutputSpec> result;
  for (const Tensor& t : out) {
    std::vector<int64_t> dims = t.shape().as_list();
    if (batch_unknown && !dims.empty()) dims[0] = -1;
    result.push_back({Shape(dims), t.dtype()});
  }
  return result;
}

const Shape& Layer::single_input_shape(const std::vector<Shape>& input_shapes) const {
  TANDEM_CHECK(input_shapes.size() == 1, ValueError, describe(*this),
               " expects one input, received ", input_shapes.size(), " input shapes");
  check_input(input_shapes, {input_spec_.dtype.value_or(dtype_)});
  return input_shapes[0];
}

void Layer::check_input(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const {
  const InputSpec& spec = input_spec_;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    if (spec.ndim) {
      TANDEM_CHECK(s.rank() == *spec.ndim, ShapeError, describe(*this), " expected input of rank ",
                   *spec.ndim, ", received rank ", s.rank(), " (shape ", s.to_list_string(), ")");
    }
    if (spec.min_ndim) {
      TANDEM_CHECK(s.rank() >= *spec.min_ndim, ShapeError, describe(*this),
                   " expected input of rank >= ", *spec.min_ndim, ", received rank ", s.rank(),
                   " (shape ", s.to_list_string(), ")");
    }
    for (auto [axis, size] : spec.axes) {
      int a = axis < 0 ? axis + s.rank() : axis;
      if (a < 0 || a >= s.rank() || s[a] < 0) continue;
      TANDEM_CHECK(s[a] == size, ShapeError, describe(*this), " expected input ",
                   axis == -1 ? std::string("last dimension") : "dimension " + std::to_string(axis),
                   " ", size, ", received ", s.to_list_string());
    }
    if (spec.dtype) {
      TANDEM_CHECK(dtypes[i] == *spec.dtype, TypeError, describe(*this), " expected input dtype ",
                   dtype_name(*spec.dtype), ", received ", dtype_name(dtypes[i]));
    }
  }
}

// ---- config ----

json Layer::get_config() const {
  json config = {{"name", name_}, {"trainable", trainable_}, {"dtype", dtype_name(dtype_)}};
  if (input_shape_) {
    json dims = json::array({nullptr});
    for (int64_t d : input_shape_->dims()) dims.push_back(d < 0 ? json(nullptr) : json(d));
    config["batch_input_shape"] = dims;
  }
  return config;
}

LayerOptions Layer::options_from_config(const json& config) {
  LayerOptions o;
  o.name = config.value("name", std::string());
  o.trainable = config.value("trainable", true);
  o.dtype = dtype_from_name(config.value("dtype", std::string("float32")));
  if (config.contains("batch_input_shape") && config["batch_input_shape"].is_array()) {
    std::vector<int64_t> dims;
    const json& b = config["batch_input_shape"];
    for (size_t i = 1; i < b.size(); ++i) dims.push_back(b[i].is_null() ? -1 : b[i].get<int64_t>());
    o.input_shape = Shape(dims);
  }
  return o;
}

// ---- weights ----

Variable Layer::add_weight(const std::string& name, const Shape& shape, WeightOptions options) {
  initializers::InitializerPtr init =
      options.initializer ? options.initializer : initializers::glorot_uniform();
  DType dtype = options.dtype.value_or(dtype_);
  Variable v((*init)(shape, dtype), {.name = name_ + "/" + name, .trainable = options.trainable});
  weights_.push_back({v, std::move(options.regularizer), std::move(options.constraint)});
  return v;
}

void Layer::track_layer(const std::string& attribute, std::shared_ptr<Layer> layer) {
  TANDEM_CHECK(layer != nullptr, ValueError, describe(*this), ": cannot track a null layer as '",
               attribute, "'");
  for (const auto& existing : sublayers_)
    if (existing == layer) return;  // a layer used twice is one set of weights
  sublayers_.push_back(std::move(layer));
  sublayer_names_.push_back(attribute);
}

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (auto& l : sublayers_) l->set_trainable(trainable);
}

std::vector<Variable> Layer::trainable_weights() const {
  std::vector<Variable> out;
  if (!trainable_) return out;
  for (const Weight& w : weights_)
    if (w.variable.trainable()) out.push_back(w.variable);
  for (const auto& l : sublayers_)
    for (const Variable& v : l->trainable_weights()) out.push_back(v);
  return out;
}

std::vector<Variable> Layer::non_trainable_weights() const {
  std::vector<Variable> out;
  if (!trainable_) {
    for (const Weight& w : weights_)
      if (w.variable.trainable()) out.push_back(w.variable);
  }
  for (const Weight& w : weights_)
    if (!w.variable.trainable()) out.push_back(w.variable);
  for (const auto& l : sublayers_)
    for (const Variable& v : (trainable_ ? l->non_trainable_weights() : l->weights()))
      out.push_back(v);
  return out;
}

std::vector<Variable> Layer::weights() const {
  std::vector<Variable> out = trainable_weights();
  for (const Variable& v : non_trainable_weights()) out.push_back(v);
  return out;
}

int64_t Layer::count_params() const {
  int64_t n = 0;
  for (const Variable& v : weights()) n += v.shape().num_elements();
  return n;
}

std::vector<Tensor> Layer::get_weights() const {
  std::vector<Tensor> out;
  for (const Variable& v : weights()) out.push_back(v.value());
  return out;
}

void Layer::set_weights(const std::vector<Tensor>& values) {
  std::vector<Variable> ws = weights();
  TANDEM_CHECK(values.size() == ws.size(), ValueError, "set_weights: ", describe(*this), " has ",
               ws.size(), " weights, received ", values.size(), " values");
  for (size_t i = 0; i < ws.size(); ++i) {
    TANDEM_CHECK(values[i].shape() == ws[i].shape(), ShapeError, "set_weights: weight '",
                 ws[i].name(), "' has shape ", ws[i].shape().to_string(), ", received ",
                 values[i].shape().to_string());
    ws[i].assign(cast(values[i], ws[i].dtype()));
  }
}

void Layer::apply_constraints() {
  for (Weight& w : weights_)
    if (w.constraint) w.variable.assign(w.constraint(w.variable.value()));
  for (auto& l : sublayers_) l->apply_constraints();
}

// ---- losses and metrics ----

std::vector<Tensor> Layer::losses() const {
  std::vector<Tensor> out;
  for (const Weight& w : weights_)
    if (w.regularizer) out.push_back(w.regularizer(w.variable.value()));
  for (const Tensor& t : call_losses_) out.push_back(t);
  for (const auto& l : sublayers_)
    for (const Tensor& t : l->losses()) out.push_back(t);
  return out;
}

void Layer::add_loss(const Tensor& loss) {
  if (active_context && active_context->symbolic) return;  // shape inference, not a real call
  call_losses_.push_back(loss);
}

void Layer::add_metric(const Tensor& value, const std::string& name) {
  if (active_context && active_context->symbolic) return;
  metrics_.emplace_back(name, value);
}

}  // namespace tandem
