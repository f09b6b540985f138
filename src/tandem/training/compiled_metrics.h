// CompiledMetrics: compile()'s metrics per output (Keras's MetricsContainer). Names given as
// strings are resolved on the first batch, when the shapes are known ("accuracy" becomes the
// binary, sparse categorical or categorical accuracy). With several outputs a metric is reported
// as "<output>_<metric>", as Keras names them. Which output gets which metrics waits for the
// output names, as CompiledLoss does, when compile does not know them yet.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/metrics/metric.h"
#include "tandem/training/compile_options.h"

namespace tandem {

class CompiledMetrics {
 public:
  CompiledMetrics(const Metrics& metrics,
                  const std::optional<std::vector<std::string>>& output_names);

  // Assigns the metrics to the outputs: ValueError when a map names an unknown output. Runs once;
  // update_state runs it with output_1, output_2, ... when nothing did before.
  void set_output_names(const std::vector<std::string>& output_names);
  bool has_output_names() const { return output_names_.has_value(); }

  // Updates every metric of every output (compiled metrics ignore sample weights, as Keras's
  // `metrics` do).
  void update_state(const Tensors& y_true, const Tensors& y_pred);
  // The metrics made so far, and their reported names, in order.
  const std::vector<metrics::MetricPtr>& metrics() const { return metrics_; }
  const std::vector<std::string>& names() const { return names_; }
  // One list per output of what compile was given: a name ("accuracy", resolved again on the
  // first batch after loading) or a serialised metric.
  nlohmann::json get_config() const;

 private:
  void build(const Tensors& y_true, const Tensors& y_pred);

  Metrics given_;
  std::optional<std::vector<std::string>> output_names_;
  std::vector<std::vector<MetricSpec>> specs_;
  bool built_ = false;
  std::vector<metrics::MetricPtr> metrics_;
  std::vector<std::string> names_;
  std::vector<size_t> output_of_;  // per metric: its output index
};

}  // namespace tandem
