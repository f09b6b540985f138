#include "tandem/training/metrics_sync.h"

#include <functional>

#include "tandem/ops/math.h"
#include "tandem/training/trainer.h"

namespace tandem {

namespace {

// Runs `read` with every metric's state replaced by its sum over the replicas, then puts each
// replica's own state back: results come from the metric's own code, whatever its state means.
// Returns false, without running `read`, when the sum is the state itself (one replica).
bool with_summed_state(distributed::Strategy& strategy,
                       const std::vector<metrics::Metric*>& metrics,
                       const std::function<void()>& read) {
  std::vector<Variable> state;
  std::vector<Tensor> local;
  for (const metrics::Metric* m : metrics)
    for (const Variable& v : m->variables()) state.push_back(v), local.push_back(v.value());
  std::vector<Tensor> summed = strategy.all_reduce_sum(local);
  bool changed = false;
  for (size_t i = 0; i < local.size(); ++i) changed |= summed[i].id() != local[i].id();
  if (!changed) return false;
  for (size_t i = 0; i < state.size(); ++i) state[i].assign(summed[i]);
  read();
  for (size_t i = 0; i < state.size(); ++i) state[i].assign(local[i]);
  return true;
}

}  // namespace

Logs with_global_metrics(const Trainer& model, distributed::Strategy& strategy, Logs logs) {
  std::vector<metrics::MetricPtr> all = model.metrics();
  std::vector<metrics::Metric*> raw;
  for (const auto& m : all) raw.push_back(m.get());
  with_summed_state(strategy, raw, [&] {
    std::vector<std::string> names = model.metrics_names();
    for (size_t i = 0; i < all.size(); ++i)
      logs.set(names[i], cast(all[i]->result(), float64).item<double>());
  });
  return logs;
}

Tensor global_result(metrics::Metric& metric, distributed::Strategy& strategy) {
  Tensor result;
  if (!with_summed_state(strategy, {&metric}, [&] { result = metric.result(); }))
    result = metric.result();
  return result;
}

}  // namespace tandem
