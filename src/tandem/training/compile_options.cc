#include "tandem/training/compile_options.h"

#include <algorithm>

#include "tandem/core/error.h"
#include "tandem/core/join.h"

namespace tandem {

namespace {

void check_known(const std::string& what, const std::string& key,
                 const std::vector<std::string>& output_names) {
  TANDEM_CHECK(std::find(output_names.begin(), output_names.end(), key) != output_names.end(),
               ValueError, what, " names output '", key, "', but the model's outputs are [",
               join(output_names), "]");
}

}  // namespace

std::vector<std::string> pseudo_output_names(size_t count) {
  std::vector<std::string> names;
  for (size_t i = 1; i <= count; ++i) names.push_back("output_" + std::to_string(i));
  return names;
}

optimizers::OptimizerPtr OptimizerSpec::resolve() const {
  return optimizer_ ? optimizer_ : optimizers::get(name_);
}

losses::LossPtr LossSpec::resolve() const { return loss_ ? loss_ : losses::get(name_); }

std::vector<LossSpec> Losses::per_output(const std::vector<std::string>& output_names) const {
  size_t n = output_names.size();
  if (is_list_) {
    TANDEM_CHECK(list_.size() == n, ValueError, "expected one loss per output (", n, ": [",
                 join(output_names), "]), received a list of ", list_.size());
    return list_;
  }
  if (!by_name_.empty()) {
    std::vector<LossSpec> out(n);
    for (const auto& [name, spec] : by_name_) {
      check_known("loss", name, output_names);
      out[std::find(output_names.begin(), output_names.end(), name) - output_names.begin()] = spec;
    }
    return out;
  }
  return std::vector<LossSpec>(n, single_);
}

std::vector<double> LossWeights::per_output(const std::vector<std::string>& output_names) const {
  size_t n = output_names.size();
  if (!list_.empty()) {
    TANDEM_CHECK(list_.size() == n, ValueError, "expected one loss weight per output (", n, ": [",
                 join(output_names), "]), received a list of ", list_.size());
    return list_;
  }
  std::vector<double> out(n, 1.0);
  for (const auto& [name, weight] : by_name_) {
    check_known("loss_weights", name, output_names);
    out[std::find(output_names.begin(), output_names.end(), name) - output_names.begin()] = weight;
  }
  return out;
}

metrics::MetricPtr MetricSpec::resolve(const Shape& y_true_shape, const Shape& y_pred_shape) const {
  if (metric_) return metric_;
  if (fn_) return std::make_shared<metrics::MeanMetricWrapper>(fn_, name_);
  return metrics::resolve(name_, y_true_shape, y_pred_shape);
}

std::vector<std::vector<MetricSpec>> Metrics::per_output(
    const std::vector<std::string>& output_names) const {
  std::vector<std::vector<MetricSpec>> out(output_names.size());
  if (!by_name_.empty()) {
    for (const auto& [name, specs] : by_name_) {
      check_known("metrics", name, output_names);
      out[std::find(output_names.begin(), output_names.end(), name) - output_names.begin()] = specs;
    }
    return out;
  }
  for (auto& specs : out) specs = all_;
  return out;
}

}  // namespace tandem
