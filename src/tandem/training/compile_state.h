// CompileState: what Model::compile sets up and fit/evaluate use: the optimizer, the compiled
// losses and metrics, and trackers for values layers report with add_metric.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tandem/optimizers/optimizer.h"
#include "tandem/training/compiled_loss.h"
#include "tandem/training/compiled_metrics.h"

namespace tandem {

class CompileState {
 public:
  // output_names: nullopt while the model's outputs are unknown (a subclassed model not called
  // yet); resolve_outputs then assigns losses and metrics on the first batch.
  CompileState(const CompileOptions& options,
               const std::optional<std::vector<std::string>>& output_names)
      : optimizer(options.optimizer.resolve()),
        loss(options.loss, options.loss_weights, output_names),
        metrics(options.metrics, output_names) {}

  bool outputs_resolved() const { return loss.built() && metrics.has_output_names(); }
  void resolve_outputs(const std::vector<std::string>& output_names) {
    loss.build(output_names);
    metrics.set_output_names(output_names);
  }

  optimizers::OptimizerPtr optimizer;
  CompiledLoss loss;
  CompiledMetrics metrics;
  // add_metric(value, name) trackers, created on first sight of each name.
  std::vector<std::pair<std::string, metrics::MetricPtr>> added_metrics;
};

}  // namespace tandem
