// Model's compile and per-batch steps (train_step, test_step, predict_step and what they share).
#include <algorithm>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/error.h"
#include "tandem/models/model.h"
#include "tandem/ops/math.h"
#include "tandem/training/compile_state.h"

namespace tandem {

namespace {

// add_metric values of this layer and every layer below it.
void collect_added_metrics(const Layer& layer, std::vector<std::pair<std::string, Tensor>>& out) {
  for (const auto& item : layer.metrics_added()) out.push_back(item);
  for (const auto& sub : layer.layers_tracked()) collect_added_metrics(*sub, out);
}

}  // namespace

void Model::compile(CompileOptions options) {
  std::optional<std::vector<std::string>> names = output_names();
  // Only the placeholder guess of a subclassed model that has not run: how many outputs its
  // call() returns is known on the first batch, which assigns losses and metrics then.
  if (outputs_unknown()) names.reset();
  compile_state_ = std::make_shared<CompileState>(options, names);
}

bool Model::outputs_unknown() const {
  return output_count_ == 0 && output_names() == pseudo_output_names(1);
}

void Model::resolve_compiled_outputs() const {
  if (compile_state_ && !compile_state_->outputs_resolved())
    compile_state_->resolve_outputs(output_names());
}

const CompileState& Model::compile_state() const {
  TANDEM_CHECK(compile_state_ != nullptr, ValueError, "model '", name(),
               "' must be compiled before training or evaluating: call compile() first");
  return *compile_state_;
}

optimizers::OptimizerPtr Model::optimizer() const { return compile_state().optimizer; }

std::vector<std::string> Model::input_names() const { return {"input_1"}; }
std::vector<std::string> Model::output_names() const {
  return pseudo_output_names(std::max<size_t>(output_count_, 1));
}

Logs Model::train_step(const Batch& data) {
  compile_state();
  std::vector<Variable> variables;
  Tensors y_pred;
  std::vector<std::optional<Tensor>> gradients;
  {
    GradientTape tape;
    y_pred = (*this)(data.x, true);
    Tensor loss = compute_loss(data, y_pred);
    // Read after the forward pass: a model built by its first call has no weights before it.
    variables = trainable_weights();
    gradients = tape.gradient(loss, variables);
  }
  compile_state_->optimizer->apply_gradients(gradients, variables);
  apply_constraints();
  return compute_metrics(data, y_pred);
}

Logs Model::test_step(const Batch& data) {
  Tensors y_pred = (*this)(data.x, false);
  compute_loss(data, y_pred);
  return compute_metrics(data, y_pred);
}

Tensors Model::predict_step(const Tensors& x) { return (*this)(x, false); }

Tensor Model::compute_loss(const Batch& data, const Tensors& y_pred) {
  compile_state();
  resolve_compiled_outputs();
  return compile_state_->loss(data.y, y_pred, data.sample_weight, losses());
}

Logs Model::compute_metrics(const Batch& data, const Tensors& y_pred) {
  compile_state();
  resolve_compiled_outputs();
  compile_state_->metrics.update_state(data.y, y_pred);
  std::vector<std::pair<std::string, Tensor>> added;
  collect_added_metrics(*this, added);
  auto& trackers = compile_state_->added_metrics;
  for (const auto& [name, value] : added) {
    auto it = std::find_if(trackers.begin(), trackers.end(),
                           [&](const auto& t) { return t.first == name; });
    if (it == trackers.end()) it = trackers.insert(trackers.end(), {name, make_tracker(name)});
    update_tracker(*it->second, value);
  }
  Logs logs;
  std::vector<std::string> names = metrics_names();
  std::vector<metrics::MetricPtr> all = metrics();
  // The results stay tensors until the logs are read: no host read per step.
  for (size_t i = 0; i < all.size(); ++i) logs.set(names[i], all[i]->result());
  return logs;
}

std::vector<metrics::MetricPtr> Model::metrics() const {
  if (!compile_state_) return {};
  std::vector<metrics::MetricPtr> out = compile_state_->loss.trackers();
  for (const auto& m : compile_state_->metrics.metrics()) out.push_back(m);
  for (const auto& [name, m] : compile_state_->added_metrics) out.push_back(m);
  return out;
}

std::vector<std::string> Model::metrics_names() const {
  if (!compile_state_) return {};
  std::vector<std::string> out;
  for (const auto& m : compile_state_->loss.trackers()) out.push_back(m->name());
  for (const auto& n : compile_state_->metrics.names()) out.push_back(n);
  for (const auto& [name, m] : compile_state_->added_metrics) out.push_back(name);
  return out;
}

void Model::reset_metrics() {
  for (const auto& m : metrics()) m->reset_state();
}

Logs Model::train_on_batch(const Tensors& x, const Tensors& y, const Tensors& sample_weight) {
  reset_metrics();
  return train_step(Batch{.x = x, .y = y, .sample_weight = sample_weight});
}

Logs Model::test_on_batch(const Tensors& x, const Tensors& y, const Tensors& sample_weight) {
  reset_metrics();
  return test_step(Batch{.x = x, .y = y, .sample_weight = sample_weight});
}

Tensors Model::predict_on_batch(const Tensors& x) { return predict_step(x); }

}  // namespace tandem
