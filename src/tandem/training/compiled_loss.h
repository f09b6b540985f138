// CompiledLoss: compile()'s losses and loss weights applied to a model's outputs (Keras's
// LossesContainer). The training loss is sum_i weight_i * loss_i(y_true_i, y_pred_i, sw_i) plus the
// model's own losses (regularization, add_loss); trackers keep the running "loss" and, for models
// with several outputs, each output's unweighted "<output>_loss".
#pragma once

#include <string>
#include <vector>

#include "tandem/losses/loss.h"
#include "tandem/metrics/metric.h"
#include "tandem/training/compile_options.h"

namespace tandem {

class CompiledLoss {
 public:
  CompiledLoss(const Losses& losses, const LossWeights& weights,
               const std::vector<std::string>& output_names);

  // The weighted total for one batch; updates the trackers. y_true holds one tensor per output
  // with a loss; sample_weight is empty, one tensor for all outputs, or one per output.
  Tensor operator()(const Tensors& y_true, const Tensors& y_pred, const Tensors& sample_weight,
                    const Tensors& model_losses);

  // "loss" first, then "<output>_loss" per output with a loss (only when there are several).
  const std::vector<metrics::MetricPtr>& trackers() const { return trackers_; }
  bool has_loss() const;
  const std::vector<losses::LossPtr>& per_output() const { return losses_; }
  nlohmann::json get_config() const;

 private:
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
