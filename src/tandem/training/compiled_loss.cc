#include "tandem/training/compiled_loss.h"

#include "tandem/core/error.h"
#include "tandem/metrics/reduce.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem {

metrics::MetricPtr make_tracker(const std::string& name) {
  return std::make_shared<metrics::Mean>(metrics::MeanOptions{.name = name});
}

void update_tracker(metrics::Metric& tracker, const Tensor& value, double weight) {
  auto& mean = dynamic_cast<metrics::Mean&>(tracker);
  mean.update_state(cast(value, float32), constant(weight, float32));
}

CompiledLoss::CompiledLoss(const Losses& losses, const LossWeights& weights,
                           const std::optional<std::vector<std::string>>& output_names)
    : specs_(losses), weight_specs_(weights) {
  trackers_.push_back(make_tracker("loss"));
  if (output_names) build(*output_names);
}

void CompiledLoss::build(const std::vector<std::string>& output_names) {
  if (built_) return;
  std::vector<double> weights = weight_specs_.per_output(output_names);
  std::vector<losses::LossPtr> resolved;
  for (const LossSpec& spec : specs_.per_output(output_names)) {
    resolved.push_back(spec.empty() ? nullptr : spec.resolve());
  }
  output_names_ = output_names;
  weights_ = std::move(weights);
  losses_ = std::move(resolved);
  built_ = true;
  for (size_t i = 0; i < losses_.size(); ++i) {
    bool tracked = losses_.size() > 1 && losses_[i] != nullptr;
    output_trackers_.push_back(tracked ? make_tracker(output_names_[i] + "_loss") : nullptr);
    if (tracked) trackers_.push_back(output_trackers_.back());
  }
}

bool CompiledLoss::has_loss() const {
  if (!built_) return !specs_.empty();
  for (const auto& loss : losses_)
    if (loss) return true;
  return false;
}

Tensor CompiledLoss::operator()(const Tensors& y_true, const Tensors& y_pred,
                                const Tensors& sample_weight, const Tensors& model_losses) {
  build(pseudo_output_names(y_pred.size()));
  TANDEM_CHECK(y_pred.size() == losses_.size(), ValueError, "the model produced ", y_pred.size(),
               " output(s) but compile() set losses for ", losses_.size());
  TANDEM_CHECK(sample_weight.size() <= 1 || sample_weight.size() == y_pred.size(), ValueError,
               "expected one sample_weight per output (", y_pred.size(),
               ") or one for all, received ", sample_weight.size());
  std::optional<Tensor> total;
  auto add = [&](const Tensor& t) { total = total ? *total + t : t; };
  double batch_dim = 0;
  for (size_t i = 0; i < losses_.size(); ++i) {
    if (!losses_[i]) continue;
    TANDEM_CHECK(i < y_true.size(), ValueError, "the loss for output '", output_names_[i],
                 "' needs a target, but only ", y_true.size(), " target(s) were given");
    batch_dim = y_true[i].rank() > 0 ? double(y_true[i].shape()[0]) : 1.0;
    std::optional<Tensor> sw;
    if (sample_weight.size() == 1) sw = sample_weight[0];
    if (sample_weight.size() > 1) sw = sample_weight[i];
    if (sw) sw = cast(*sw, y_pred[i].dtype());
    Tensor value = (*losses_[i])(y_true[i], y_pred[i], sw);
    if (output_trackers_[i]) update_tracker(*output_trackers_[i], value, batch_dim);
    add(weights_[i] == 1.0 ? value : value * weights_[i]);
  }
  for (const Tensor& extra : model_losses) add(cast(extra, total ? total->dtype() : float32));
  TANDEM_CHECK(total.has_value(), ValueError,
               "the model has no loss to optimize: compile() with a loss, or add_loss() in call()");
  update_tracker(*trackers_[0], *total, batch_dim > 0 ? batch_dim : 1.0);
  return *total;
}

nlohmann::json CompiledLoss::get_config() const {
  TANDEM_CHECK(built_, ValueError,
               "the compiled losses are not resolved yet: the model's outputs are known after its "
               "first call");
  nlohmann::json config = nlohmann::json::array();
  for (const auto& loss : losses_) config.push_back(loss ? losses::serialize(*loss) : nullptr);
  return {{"loss", config}, {"loss_weights", weights_}};
}

}  // namespace tandem
