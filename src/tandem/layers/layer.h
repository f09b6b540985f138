// Layer: the Keras layer contract (DESIGN section 2).
//
// A subclass validates and stores its config in the constructor, creates weights in build() with
// add_weight() on the first call, computes in call(), and describes itself in get_config(). Users
// call it through the non-virtual operator(), which checks inputs against input_spec, builds once,
// calls, and records a graph node when the inputs are symbolic (KerasTensor).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <vector>

#include "tandem/constraints/constraint.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"
#include "tandem/initializers/initializer.h"
#include "tandem/layers/keras_tensor.h"
#include "tandem/regularizers/regularizer.h"

namespace tandem {

using Tensors = std::vector<Tensor>;
using json = nlohmann::json;

// What a layer call knows beyond its inputs (Keras's `training` argument and call context).
struct CallContext {
  bool training = false;
  // True while Tandem runs call() on placeholder data to infer output shapes: layers must not keep
  // state (losses, metrics, moving statistics) from such a call.
  bool symbolic = false;
};

// The shape (-1 = unknown dimension) and dtype of one output of a symbolic call (what Keras 3's
// compute_output_spec returns as a KerasTensor).
struct OutputSpec {
  Shape shape;
  DType dtype;
};

// Input constraints checked before every call (tf.keras.layers.InputSpec).
struct InputSpec {
  std::optional<int> ndim = std::nullopt;
  std::optional<int> min_ndim = std::nullopt;
  std::map<int, int64_t> axes = {};  // axis (negative counts from the end) -> required size
  std::optional<DType> dtype = std::nullopt;
};

// A penalty on a weight added to the layer's losses (tf.keras.regularizers), or null.
using RegularizerFn = regularizers::Regularizer;
// A projection applied to a weight after each optimizer update (tf.keras.constraints), or null.
using ConstraintFn = constraints::Constraint;

struct WeightOptions {
  initializers::InitializerSpec initializer = nullptr;  // default glorot_uniform
  RegularizerFn regularizer = nullptr;
  ConstraintFn constraint = nullptr;
  bool trainable = true;
  std::optional<DType> dtype = std::nullopt;  // default: the layer's dtype
};

struct LayerOptions {
  std::string name = "";  // empty: unique per class, "dense", "dense_1", ...
  bool trainable = true;
  DType dtype = float32;
  // Shape without the batch dimension, as Keras's `input_shape=` on a model's first layer.
  std::optional<Shape> input_shape = std::nullopt;
};

class Layer : public std::enable_shared_from_this<Layer> {
 public:
  Layer(std::string class_name, LayerOptions options);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // ---- calling ----
  // `training` defaults to the enclosing layer call's (false at the top level), as in Keras.
  Tensor operator()(const Tensor& input, std::optional<bool> training = std::nullopt) &;
  Tensors operator()(const Tensors& inputs, std::optional<bool> training = std::nullopt) &;
  // On symbolic inputs the graph keeps the layer: it must be held by std::shared_ptr.
  KerasTensor operator()(const KerasTensor& input) &;
  KerasTensors operator()(const std::vector<KerasTensor>& inputs) &;
  // A temporary layer, as Keras writes it: `KerasTensor h = Dense(64)(x);`. On symbolic inputs
  // the temporary is moved into a std::shared_ptr that the graph keeps ("boxes itself"); this
  // works for every layer class registered with TANDEM_REGISTER_LAYER that can be moved.
  Tensor operator()(const Tensor& input, std::optional<bool> training = std::nullopt) &&;
  Tensors operator()(const Tensors& inputs, std::optional<bool> training = std::nullopt) &&;
  KerasTensor operator()(const KerasTensor& input) &&;
  KerasTensors operator()(const std::vector<KerasTensor>& inputs) &&;

  // Output shapes for the given input shapes, batch dimension included (Keras's
  // compute_output_shape). An unknown dimension is -1 (None) and stays unknown where the output
  // depends on it; a known one stays known. Built-in layers compute the shapes from their config
  // without running a kernel. The default, for layers that do not define it, builds the layer and
  // runs call() on placeholder zeros with unknown dimensions set to 1 (keeping an unknown batch),
  // as Keras traces call() when compute_output_shape is not overridden.
  virtual std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes);
  // Output shapes and dtypes (Keras 3's compute_output_spec). The default takes the shapes from
  // compute_output_shape and each output's dtype from compute_output_dtype, or both from the
  // placeholder call when the layer does not define compute_output_shape.
  virtual std::vector<OutputSpec> compute_output_spec(const std::vector<Shape>& input_shapes,
                                                      const std::vector<DType>& input_dtypes);
  // What a call on symbolic inputs of these shapes and dtypes computes, without recording a graph
  // node: checks them against input_spec, builds the layer once (build(input_shapes)), then
  // compute_output_spec. Sequential and Functional models build their layers through it, so no
  // kernel runs at build time for layers that define compute_output_shape. Empty dtypes: the
  // input_spec's dtype, else the layer's.
  std::vector<OutputSpec> infer_output_spec(const std::vector<Shape>& input_shapes,
                                            std::vector<DType> input_dtypes = {});

  // ---- identity and config ----
  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }
  DType dtype() const { return dtype_; }
  // Keras's dtype policy: the layer computes in compute_dtype() and keeps its weights in
  // variable_dtype(). Both are dtype() (LayerOptions::dtype, "float32" by default): Tandem has no
  // mixed policies, so no layer reads its weights in another dtype.
  DType compute_dtype() const { return dtype_; }
  DType variable_dtype() const { return dtype_; }
  // Keras's autocast: every call casts floating inputs to a floating compute_dtype() once, before
  // call() (see docs/models.md, "Dtypes"). Off for layers that take integers (Embedding) and for
  // graph models, whose own layers cast.
  bool autocast() const { return autocast_; }
  const std::optional<Shape>& declared_input_shape() const { return input_shape_; }
  // Keras's config: name, trainable, dtype and the subclass's hyperparameters.
  virtual json get_config() const;
  // The LayerOptions part of a config (name, trainable, dtype, batch_input_shape), for from_config.
  static LayerOptions options_from_config(const json& config);

  // ---- weights ----
  bool built() const { return built_; }
  // Creates the weights for inputs of these shapes (batch dimension included, -1 when unknown).
  // The first call runs it; overrides end with Layer::build(input_shapes), which marks the layer
  // built, as Keras's super().build(input_shape).
  virtual void build(const std::vector<Shape>& input_shapes);
  // The shapes the layer was built for (empty before), which a saved model records so a loader can
  // build a subclassed model before restoring its weights (Keras's build_config).
  const std::vector<Shape>& build_input_shapes() const { return build_input_shapes_; }
  bool trainable() const { return trainable_; }
  // Freezes (false) or unfreezes this layer and every layer it tracks.
  void set_trainable(bool trainable);
  // Keras order: trainable weights, then non-trainable; own weights before those of sublayers.
  std::vector<Variable> weights() const;
  std::vector<Variable> trainable_weights() const;
  std::vector<Variable> non_trainable_weights() const;
  std::vector<Variable> variables() const { return weights(); }
  int64_t count_params() const;
  std::vector<Tensor> get_weights() const;
  // Values in weights() order; shapes must match (ValueError naming the weight otherwise).
  void set_weights(const std::vector<Tensor>& values);
  // Projects every weight with a constraint (called after optimizer updates).
  void apply_constraints();

  // ---- losses and metrics ----
  // Regularization penalties of own and tracked weights, plus losses added by the last call.
  std::vector<Tensor> losses() const;
  void add_loss(const Tensor& loss);
  void add_metric(const Tensor& value, const std::string& name);
  const std::vector<std::pair<std::string, Tensor>>& metrics_added() const { return metrics_; }

  // ---- structure ----
  const std::vector<std::shared_ptr<Layer>>& layers_tracked() const { return sublayers_; }
  // How many times this layer was called on symbolic inputs (its inbound nodes).
  int inbound_node_count() const { return inbound_nodes_; }
  const InputSpec& input_spec() const { return input_spec_; }

 protected:
  // Moving is for boxing a temporary layer (see operator() &&); the moved-from one is discarded.
  Layer(Layer&&) = default;

  // The computation, on concrete tensors (inputs already checked against input_spec).
  virtual Tensors call(const Tensors& inputs, const CallContext& ctx) = 0;

  Variable add_weight(const std::string& name, const Shape& shape, WeightOptions options = {});
  // Registers a sublayer: its weights, losses and trainable flag follow this layer.
  template <class L>
  std::shared_ptr<L> track(const std::string& attribute, std::shared_ptr<L> layer) {
    track_layer(attribute, layer);
    return layer;
  }
  void track_layer(const std::string& attribute, std::shared_ptr<Layer> layer);
  void set_input_spec(InputSpec spec) { input_spec_ = std::move(spec); }
  // The one input shape of a single-input layer's compute_output_shape, checked against
  // input_spec (ValueError for several inputs, ShapeError for a bad rank or size).
  const Shape& single_input_shape(const std::vector<Shape>& input_shapes) const;
  // The dtype of every output of a layer that defines compute_output_shape: the first input's as
  // call() receives it (after autocast), or the layer's dtype when there is no input.
  virtual DType compute_output_dtype(const std::vector<DType>& input_dtypes) const;
  // Keras's `autocast=False`: inputs reach call() in the dtype they arrive in.
  void set_autocast(bool autocast) { autocast_ = autocast; }
  // Runs when Layer::build marks the layer built and again after its first call (when layers that
  // create weights in call() have them); Model uses it to restore deferred load_weights.
  virtual void on_built() {}
  // Runs after every call() (real and placeholder) with its outputs; Model uses it to learn how
  // many outputs a subclassed model's call() returns, which names them output_1, output_2, ...
  virtual void on_outputs(const Tensors& /*outputs*/) {}

 private:
  struct Weight {
    Variable variable;
    RegularizerFn regularizer;
    ConstraintFn constraint;
  };
  void check_input(const std::vector<Shape>& shapes, const std::vector<DType>& dtypes) const;
  // Output shapes and dtypes from a placeholder call (the default compute_output_shape).
  std::vector<OutputSpec> placeholder_outputs(const std::vector<Shape>& shapes,
                                              const std::vector<DType>& dtypes);
  // The inputs as call() receives them: floating ones cast to compute_dtype() (autocast).
  Tensors autocast_inputs(const Tensors& inputs) const;
  // The dtypes autocast_inputs gives inputs of `received` dtypes (TypeError where it would).
  std::vector<DType> autocast_dtypes(const std::vector<DType>& received) const;
  void ensure_built(const std::vector<Shape>& input_shapes);
  void after_first_call();
  Tensors run(const Tensors& inputs, const CallContext& ctx);
  // The symbolic call, recording a node owned by `self`.
  KerasTensors call_symbolic(const std::shared_ptr<Layer>& self,
                             const std::vector<KerasTensor>& inputs);

  std::string class_name_;
  std::string name_;
  DType dtype_;
  std::optional<Shape> input_shape_;
  bool trainable_;
  bool autocast_ = true;
  bool built_ = false;
  bool called_ = false;
  std::vector<Shape> build_input_shapes_;
  InputSpec input_spec_;
  std::vector<Weight> weights_;
  std::vector<std::shared_ptr<Layer>> sublayers_;
  std::vector<std::string> sublayer_names_;
  std::vector<Tensor> call_losses_;
  std::vector<std::pair<std::string, Tensor>> metrics_;
  int inbound_nodes_ = 0;
  // Set while compute_output_spec asks compute_output_shape: the input dtypes for the default's
  // placeholder call, and the outputs that call produced (which tell that the layer does not
  // define compute_output_shape).
  struct ShapeProbe {
    std::vector<DType> input_dtypes;
    std::optional<std::vector<OutputSpec>> placeholder_outputs;
  };
  ShapeProbe* probe_ = nullptr;
};

namespace detail {
// Moves a temporary layer of a registered class into a std::shared_ptr of its own class.
using LayerMover = std::shared_ptr<Layer> (*)(Layer&&);
bool register_layer_mover(std::type_index type, LayerMover mover);
// What TANDEM_REGISTER_LAYER calls: registers the class's mover when it can be moved.
template <class L>
bool register_layer_mover() {
  if constexpr (std::is_move_constructible_v<L>) {
    return register_layer_mover(typeid(L), [](Layer&& layer) -> std::shared_ptr<Layer> {
      return std::make_shared<L>(std::move(static_cast<L&>(layer)));
    });
  }
  return true;
}
}  // namespace detail

// Keras's unique layer names per snake_case class name: "dense", "dense_1", ...; with
// zero_based = false "input_1", "input_2", ... as Keras names inputs.
std::string unique_layer_name(const std::string& class_name, bool zero_based = true);
// Clears the per-class name counters (tf.keras.backend.clear_session()).
void clear_session();

}  // namespace tandem
