// Metric results over every replica's data: each replica's metric state (totals, counts,
// confusion matrices) summed across the replicas, so results are exact global values and the same
// on every replica (DESIGN section 4). With one replica: the metrics' own results.
#pragma once

#include <vector>

#include "tandem/distributed/strategy.h"
#include "tandem/metrics/metric.h"
#include "tandem/training/logs.h"

namespace tandem {

class Trainer;

// `logs` with each of the model's metrics (metrics_names()) set to its global result (what fit
// and evaluate hand to callbacks). The replicas' own state is left as it was. Collective.
Logs with_global_metrics(const Trainer& model, distributed::Strategy& strategy, Logs logs);

// A metric's global result, for custom loops (strategy.reduce's role in TensorFlow). Collective.
Tensor global_result(metrics::Metric& metric,
                     distributed::Strategy& strategy = distributed::get_strategy());

}  // namespace tandem
