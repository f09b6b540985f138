#include "tandem/training/metrics_sync.h"

#include "tandem/models/model.h"
#include "tandem/ops/math.h"

namespace tandem {

Logs with_global_metrics(Model& model, distributed::Strategy& strategy, Logs logs) {
  std::vector<metrics::MetricPtr> all = model.metrics();
  std::vector<Variable> state;
  std::vector<Tensor> local;
  for (const auto& m : all)
    for (const Variable& v : m->variables()) state.push_back(v), local.push_back(v.value());
  std::vector<Tensor> summed = strategy.all_reduce_sum(local);
  bool changed = false;
  for (size_t i = 0; i < local.size(); ++i) changed |= summed[i].id() != local[i].id();
  if (!changed) return logs;  // one replica: the state already is the global one
  // Read each metric with the global state in place, then put the replica's own back: results
  // are computed by the metric's own code, whatever its state means.
  for (size_t i = 0; i < state.size(); ++i) state[i].assign(summed[i]);
  std::vector<std::string> names = model.metrics_names();
  for (size_t i = 0; i < all.size(); ++i)
    logs.set(names[i], cast(all[i]->result(), float64).item<double>());
  for (size_t i = 0; i < state.size(); ++i) state[i].assign(local[i]);
  return logs;
}

}  // namespace tandem
