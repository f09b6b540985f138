// Model: a Layer that groups layers and (with the training work) compiles and fits. This part holds
// what every model kind shares: the layer list, lookup, and Keras's summary(). It is the Trainer
// (training/trainer.h) that fit's callbacks see.
#pragma once

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "tandem/layers/layer.h"
#include "tandem/training/callbacks/history.h"
#include "tandem/training/compile_options.h"
#include "tandem/training/fit_options.h"
#include "tandem/training/logs.h"
#include "tandem/training/trainer.h"

namespace tandem {

class CompileState;
class DataHandler;

class Model : public Layer, public Trainer {
 public:
  Model(std::string class_name, LayerOptions options) : Layer(std::move(class_name), options) {}

  // The Trainer's view of the Layer side.
  const std::string& name() const override { return Layer::name(); }
  bool built() const override { return Layer::built(); }
  std::vector<Variable> weights() const override { return Layer::weights(); }
  std::vector<Variable> trainable_weights() const override { return Layer::trainable_weights(); }
  std::vector<Tensor> get_weights() const override { return Layer::get_weights(); }
  void set_weights(const std::vector<Tensor>& values) override { Layer::set_weights(values); }

  // The model's layers in order (for a subclassed model: the tracked ones).
  virtual std::vector<std::shared_ptr<Layer>> layers() const { return layers_tracked(); }
  // By name; ValueError listing the names when there is none.
  std::shared_ptr<Layer> get_layer(const std::string& name) const;
  // By position; ValueError when out of range.
  std::shared_ptr<Layer> get_layer(int index) const;

  // Keras's table: layer (type), output shape, param #, totals; 65 columns, or 98 with
  // "Connected to" for graph models.
  std::string summary_string() const override;
  void summary(std::ostream& out = std::cout) const { out << summary_string(); }

  // One row per layer: name, type, output shape text, parameter count.
  struct SummaryRow {
    std::string layer;
    std::string output_shape;
    int64_t params = 0;
    std::vector<std::string> connected_to = {};  // "dense[0][0]" per inbound tensor
  };
  virtual std::vector<SummaryRow> summary_rows() const;

  // ---- training (model_loops.cc, model_steps.cc; the data and callbacks in tandem/training/) ----
  // Sets the optimizer, losses and metrics; compiling again replaces them (weights are kept).
  void compile(CompileOptions options = {});
  bool compiled() const { return compile_state_ != nullptr; }
  // Trains for options.epochs; returns the History (also model.history()).
  History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
  History fit(const Tensors& x, const Tensors& y, FitOptions options = {});
  // Elements (x, y) or (x, y, sample_weight) for one input and output; for several, a tuple of
  // inputs then outputs (then weights), or a map keyed by input and output names (and
  // "sample_weight").
  History fit(const data::Dataset& dataset, FitOptions options = {});
  // The loss, each output's loss, and the metrics, in Keras's metrics_names order.
  Logs evaluate(const Tensor& x, const Tensor& y, EvaluateOptions options = {});
  Logs evaluate(const Tensors& x, const Tensors& y, EvaluateOptions options = {});
  Logs evaluate(const data::Dataset& dataset, EvaluateOptions options = {});
  // Batched inference, concatenated. The Tensor form needs a single-output model.
  Tensor predict(const Tensor& x, PredictOptions options = {});
  Tensors predict(const Tensors& x, PredictOptions options = {});
  // Elements are the inputs (other components, such as labels, are ignored).
  Tensors predict(const data::Dataset& dataset, PredictOptions options = {});
  Logs train_on_batch(const Tensors& x, const Tensors& y, const Tensors& sample_weight = {});
  Logs test_on_batch(const Tensors& x, const Tensors& y, const Tensors& sample_weight = {});
  Tensors predict_on_batch(const Tensors& x);

  // One optimisation step on a batch: forward under a GradientTape, compute_loss, gradients,
  // apply_gradients, compute_metrics. Override to customise fit (Keras's train_step).
  virtual Logs train_step(const Batch& data);
  virtual Logs test_step(const Batch& data);
  virtual Tensors predict_step(const Tensors& x);
  // The compiled losses (weighted per output) plus the model's losses (regularization, add_loss);
  // updates the loss trackers.
  virtual Tensor compute_loss(const Batch& data, const Tensors& y_pred);
  // Updates the compiled metrics and returns every metric's result.
  virtual Logs compute_metrics(const Batch& data, const Tensors& y_pred);

  // The loss trackers and compiled metrics, in metrics_names() order (empty before the first
  // batch, as in Keras).
  std::vector<metrics::MetricPtr> metrics() const override;
  std::vector<std::string> metrics_names() const override;
  void reset_metrics();
  // Names of the model's inputs and outputs (the input and output layers' names), which key
  // losses, metrics and map-shaped Dataset elements. Subclassed models: "input_1", and one name
  // per result of call() as Keras gives them, "output_1", "output_2", ... (just "output_1" before
  // the first call), unless overridden. compile() on a subclassed model that has not been called
  // yet assigns its losses, loss weights and metrics to outputs on the first batch, as Keras does.
  virtual std::vector<std::string> input_names() const;
  virtual std::vector<std::string> output_names() const;
  // The compiled optimizer; ValueError before compile.
  optimizers::OptimizerPtr optimizer() const override;
  const CompileState& compile_state() const;
  bool stop_training() const override { return stop_training_; }
  void set_stop_training(bool stop) override { stop_training_ = stop; }
  const History& history() const { return history_; }
  void resume_at(int epoch, int64_t steps = 0) override { resume_ = std::make_pair(epoch, steps); }

  // ---- saving (tandem/io/model_file.h; DESIGN section 3) ----
  // The weights in weights() order, written atomically (a temporary file renamed into place).
  void save_weights(const std::string& path) const override;
  // Reads weights saved by save_weights or save; shapes and dtypes must match, by position
  // (ValueError naming the first mismatch). On a model that has no weights yet the file is checked
  // now and the restore waits until the model is built (by build() or its first call), as Keras
  // defers it.
  void load_weights(const std::string& path);
  // Weights plus the architecture (get_config, and the input shapes it was built for), the compile
  // config and the optimizer's state (slots and iteration count): models::load_model rebuilds the
  // model and training continues exactly where it stopped.
  void save(const std::string& path) const override;
  // True while a load_weights waits for the model to be built.
  bool has_deferred_weights() const { return deferred_weights_.has_value(); }

 protected:
  void on_built() override;
  void on_outputs(const Tensors& outputs) override { output_count_ = outputs.size(); }

  // Keras prints graphs that are not a plain chain with a "Connected to" column.
  virtual bool sequential_like() const { return true; }
  // Output shape of `layer` as Keras prints it ("(None, 3)"), or "multiple"/"?" when unknown.
  virtual std::string output_shape_text(const Layer& layer) const;

 private:
  History fit_with(DataHandler& data, const FitOptions& options);
  Logs evaluate_with(DataHandler& data, const EvaluateOptions& options);
  Tensors predict_with(DataHandler& data, const PredictOptions& options);

  // Resolves the compiled losses and metrics per output once the outputs are known.
  void resolve_compiled_outputs() const;
  // True for a subclassed model that has not run yet: output_names() is only a guess.
  bool outputs_unknown() const;
  // Builds such a model from the shapes of the dataset's first element (a placeholder call), so
  // that its output names split the Dataset's tuples and maps right.
  void build_outputs_from(const data::Dataset& dataset);

  std::shared_ptr<CompileState> compile_state_;
  size_t output_count_ = 0;  // results of the last call() (0 before the first)
  bool stop_training_ = false;
  std::optional<std::pair<int, int64_t>> resume_;  // (epoch, steps) set by resume_at
  History history_;
  std::optional<std::string> deferred_weights_;  // a load_weights path waiting for weights
};

// "(None, 3)" for one shape, "[(None, 3), (None, 4)]" for several.
std::string keras_shape_text(const std::vector<Shape>& shapes);
// 244522 -> "244,522".
std::string with_thousands(int64_t n);

}  // namespace tandem
