// What Model::compile accepts (tf.keras Model.compile): an optimizer, losses, loss weights and
// metrics, each as a Keras string or an object, per output as a list or by output name.
//
//   model->compile({.optimizer = "adam",
//                   .loss = "sparse_categorical_crossentropy",
//                   .metrics = {"accuracy"}});
//   model->compile({.optimizer = std::make_shared<optimizers::SGD>(...),
//                   .loss = LossesByOutput{{"price", "mse"}, {"kind", "binary_crossentropy"}},
//                   .loss_weights = LossWeights{{"price", 1.0}, {"kind", 0.2}},
//                   .metrics = MetricsByOutput{{"kind", {"accuracy"}}}});
#pragma once

#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "tandem/losses/loss.h"
#include "tandem/metrics/metric.h"
#include "tandem/metrics/reduce.h"
#include "tandem/optimizers/optimizer.h"

namespace tandem {

using Tensors = std::vector<Tensor>;

// A Keras optimizer name ("adam") or an optimizer object.
class OptimizerSpec {
 public:
  OptimizerSpec(const char* name) : name_(name) {}             // NOLINT: implicit, as Keras strings
  OptimizerSpec(std::string name) : name_(std::move(name)) {}  // NOLINT
  template <class O>
  requires std::is_base_of_v<optimizers::Optimizer, O> OptimizerSpec(std::shared_ptr<O> optimizer)
      : optimizer_(std::move(optimizer)) {}  // NOLINT
  // The object (made from the name with Keras defaults on first use).
  optimizers::OptimizerPtr resolve() const;

 private:
  std::string name_;
  optimizers::OptimizerPtr optimizer_;
};

// One output's loss: a Keras name, a Loss object, or a function giving per-example losses.
class LossSpec {
 public:
  LossSpec() = default;
  LossSpec(const char* name) : name_(name) {}             // NOLINT
  LossSpec(std::string name) : name_(std::move(name)) {}  // NOLINT
  template <class L>
  requires std::is_base_of_v<losses::Loss, L> LossSpec(std::shared_ptr<L> loss)
      : loss_(std::move(loss)) {}  // NOLINT
  template <class F>
  requires std::is_invocable_r_v<Tensor, F, const Tensor&, const Tensor&> LossSpec(
      F fn, std::string name = "loss")  // NOLINT
      : loss_(losses::make_loss(std::move(name), losses::LossFunction(std::move(fn)))) {}
  bool empty() const { return name_.empty() && !loss_; }
  losses::LossPtr resolve() const;

 private:
  std::string name_;
  losses::LossPtr loss_;
};

using LossesByOutput = std::map<std::string, LossSpec>;

// The loss argument: one loss for every output, a list (one per output), or a map by output name.
class Losses {
 public:
  Losses() = default;
  Losses(const char* name) : single_(name) {}             // NOLINT
  Losses(std::string name) : single_(std::move(name)) {}  // NOLINT
  template <class L>
  requires std::is_base_of_v<losses::Loss, L> Losses(std::shared_ptr<L> loss)
      : single_(std::move(loss)) {}  // NOLINT
  template <class F>
  requires std::is_invocable_r_v<Tensor, F, const Tensor&, const Tensor&> Losses(F fn)
      : single_(std::move(fn)) {}  // NOLINT
  Losses(std::initializer_list<LossSpec> per_output) : list_(per_output), is_list_(true) {}
  Losses(std::vector<LossSpec> per_output)
      : list_(std::move(per_output)), is_list_(true) {}             // NOLINT
  Losses(LossesByOutput by_name) : by_name_(std::move(by_name)) {}  // NOLINT

  // One loss per output name (unset outputs get an empty spec: no loss for that output).
  // ValueError when a list has the wrong length or a map names an unknown output.
  std::vector<LossSpec> per_output(const std::vector<std::string>& output_names) const;
  bool empty() const { return single_.empty() && list_.empty() && by_name_.empty(); }

 private:
  LossSpec single_;
  std::vector<LossSpec> list_;
  LossesByOutput by_name_;
  bool is_list_ = false;
};

// loss_weights: a list (one per output) or a map by output name; absent outputs weigh 1.
class LossWeights {
 public:
  LossWeights() = default;
  LossWeights(std::vector<double> per_output) : list_(std::move(per_output)) {}         // NOLINT
  LossWeights(std::map<std::string, double> by_name) : by_name_(std::move(by_name)) {}  // NOLINT
  LossWeights(std::initializer_list<double> per_output) : list_(per_output) {}
  LossWeights(std::initializer_list<std::pair<const std::string, double>> by_name)
      : by_name_(by_name) {}
  std::vector<double> per_output(const std::vector<std::string>& output_names) const;

 private:
  std::vector<double> list_;
  std::map<std::string, double> by_name_;
};

// One metric: a Keras name ("accuracy", "mae"), a Metric object, or a plain function
// (y_true, y_pred) -> per-example values, which Keras compile wraps in a MeanMetricWrapper:
//   .metrics = {"accuracy", my_fn, MetricSpec(my_fn, "my_fn")}
// A function has no name in C++: the wrapper is called "mean_metric_wrapper" (Keras's default
// for an unnamed wrapper) unless one is given.
class MetricSpec {
 public:
  MetricSpec(const char* name) : name_(name) {}             // NOLINT
  MetricSpec(std::string name) : name_(std::move(name)) {}  // NOLINT
  template <class M>
  requires std::is_base_of_v<metrics::Metric, M> MetricSpec(std::shared_ptr<M> metric)
      : metric_(std::move(metric)) {}  // NOLINT
  template <class F>
  requires std::is_invocable_r_v<Tensor, F, const Tensor&, const Tensor&> MetricSpec(
      F fn, std::string name = "mean_metric_wrapper")  // NOLINT
      : name_(std::move(name)), fn_(std::move(fn)) {}
  // The object; names go through metrics::resolve with the first batch's shapes, and a function
  // gets a fresh MeanMetricWrapper each time (one per output, as Keras does).
  metrics::MetricPtr resolve(const Shape& y_true_shape, const Shape& y_pred_shape) const;
  const std::string& name() const { return name_; }
  // The object given to compile, or null for a name.
  const metrics::MetricPtr& metric() const { return metric_; }

 private:
  std::string name_;
  metrics::MetricPtr metric_;
  metrics::MetricFunction fn_;
};

using MetricsByOutput = std::map<std::string, std::vector<MetricSpec>>;

// The metrics argument: a list applied to every output, or lists by output name.
class Metrics {
 public:
  Metrics() = default;
  Metrics(std::initializer_list<MetricSpec> all_outputs) : all_(all_outputs) {}
  Metrics(std::vector<MetricSpec> all_outputs) : all_(std::move(all_outputs)) {}  // NOLINT
  Metrics(MetricsByOutput by_name) : by_name_(std::move(by_name)) {}              // NOLINT
  // The specs for each output; ValueError when the map names an unknown output.
  std::vector<std::vector<MetricSpec>> per_output(
      const std::vector<std::string>& output_names) const;

 private:
  std::vector<MetricSpec> all_;
  MetricsByOutput by_name_;
};

// Keras's names for outputs that have none of their own (a subclassed model's call() results):
// "output_1", "output_2", ... (compile_utils.create_pseudo_output_names).
std::vector<std::string> pseudo_output_names(size_t count);

struct CompileOptions {
  OptimizerSpec optimizer = "rmsprop";  // Keras's default
  Losses loss = {};
  LossWeights loss_weights = {};
  Metrics metrics = {};
};

}  // namespace tandem
