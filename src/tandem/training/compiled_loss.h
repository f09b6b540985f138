// CompiledLoss: compile()'s losses and loss weights applied to a model's outputs (Keras's
// LossesContainer). The training loss is sum_i weight_i * loss_i(y_true_i, y_pred_i, sw_i) plus the
// model's own losses (regularization, add_loss); trackers keep the running "loss" and, for models
// with several outputs, each output's unweighted "<output>_loss".
//
// As in Keras, the per-output resolution waits for the outputs when their names are not known at
// compile time (a subclassed model that has not been called): build() then runs on the first
// batch, with the names of the outputs call() returned.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/losses/loss.h"
#include "tandem/metrics/metric.h"
#include "tandem/training/compile_options.h"

namespace tandem {

class CompiledLoss {
 public:
  // With output names the losses are resolved (and checked) now; without, on build().
  CompiledLoss(const Losses& losses, const LossWeights& weights,
               const std::optional<std::vector<std::string>>& output_names);

  // One loss and weight per output (Keras's LossesContainer.build): ValueError when a list has
  // the wrong length or a map names an unknown output. Runs once.
  void build(const std::vector<std::string>& output_names);
  bool built() const { return built_; }

  // The weighted total for one batch; updates the trackers. Builds with output_1, output_2, ...
  // first when build() has not run. y_true holds one tensor per output
  // with a loss; sample_weight is empty, one tensor for all outputs, or one per output.
  Tensor operator()(const Tensors& y_true, const Tensors& y_pred, const Tensors& sample_weight,
                    const Tensors& model_losses);

  // "loss" first, then "<output>_loss" per output with a loss (only when there are several;
  // those exist once built).
  const std::vector<metrics::MetricPtr>& trackers() const { return trackers_; }
  bool has_loss() const;
  const std::vector<losses::LossPtr>& per_output() const { return losses_; }
  nlohmann::json get_config() const;

 private:
  Losses specs_;
  LossWeights weight_specs_;
  bool built_ = false;
  std::vector<std::string> output_names_;
  std::vector<losses::LossPtr> losses_;  // null: no loss for that output
  std::vector<double> weights_;
  std::vector<metrics::MetricPtr> trackers_;
  std::vector<metrics::MetricPtr> output_trackers_;  // per output, null when not tracked
};

// Mean of `value` weighted by `weight` into a tracker made by make_tracker.
metrics::MetricPtr make_tracker(const std::string& name);
void update_tracker(metrics::Metric& tracker, const Tensor& value, double weight = 1.0);

}  // namespace tandem
