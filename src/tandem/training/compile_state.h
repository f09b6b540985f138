// CompileState: what Model::compile sets up and fit/evaluate use: the optimizer, the compiled
// losses and metrics, and trackers for values layers report with add_metric.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tandem/optimizers/optimizer.h"
#include "tandem/training/compiled_loss.h"
#include "tandem/training/compiled_metrics.h"

namespace tandem {

class CompileState {
 public:
  CompileState(const CompileOptions& options, const std::vector<std::string>& output_names)
      : optimizer(options.optimizer.resolve()),
        loss(options.loss, options.loss_weights, output_names),
        metrics(options.metrics, output_names) {}

  optimizers::OptimizerPtr optimizer;
  CompiledLoss loss;
  CompiledMetrics metrics;
  // add_metric(value, name) trackers, created on first sight of each name.
  std::vector<std::pair<std::string, metrics::MetricPtr>> added_metrics;
};

}  // namespace tandem
