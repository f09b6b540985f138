#include "tandem/training/compiled_metrics.h"

#include "tandem/core/error.h"

namespace tandem {

CompiledMetrics::CompiledMetrics(const Metrics& metrics,
                                 const std::optional<std::vector<std::string>>& output_names)
    : given_(metrics) {
  if (output_names) set_output_names(*output_names);
}

void CompiledMetrics::set_output_names(const std::vector<std::string>& output_names) {
  if (output_names_) return;
  specs_ = given_.per_output(output_names);
  output_names_ = output_names;
}

void CompiledMetrics::build(const Tensors& y_true, const Tensors& y_pred) {
  set_output_names(pseudo_output_names(y_pred.size()));
  const std::vector<std::string>& names = *output_names_;
  bool prefix = names.size() > 1;
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].empty()) continue;
    TANDEM_CHECK(i < y_true.size(), ValueError, "metrics for output '", names[i],
                 "' need a target, but only ", y_true.size(), " target(s) were given");
    for (const MetricSpec& spec : specs_[i]) {
      metrics::MetricPtr metric = spec.resolve(y_true[i].shape(), y_pred[i].shape());
      metrics_.push_back(metric);
      names_.push_back(prefix ? names[i] + "_" + metric->name() : metric->name());
      output_of_.push_back(i);
    }
  }
  built_ = true;
}

void CompiledMetrics::update_state(const Tensors& y_true, const Tensors& y_pred) {
  if (!built_) build(y_true, y_pred);
  for (size_t m = 0; m < metrics_.size(); ++m) {
    size_t i = output_of_[m];
    metrics_[m]->update_state(y_true[i], y_pred[i]);
  }
}

nlohmann::json CompiledMetrics::get_config() const {
  TANDEM_CHECK(output_names_.has_value(), ValueError,
               "the compiled metrics are not assigned to outputs yet: the model's outputs are "
               "known after its first call");
  nlohmann::json per_output = nlohmann::json::array();
  for (const auto& specs : specs_) {
    nlohmann::json list = nlohmann::json::array();
    for (const MetricSpec& spec : specs) {
      list.push_back(spec.metric() ? metrics::serialize(*spec.metric())
                                   : nlohmann::json(spec.name()));
    }
    per_output.push_back(list);
  }
  return per_output;
}

}  // namespace tandem
