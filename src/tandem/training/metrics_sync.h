// The metric results that logs carry under data parallelism: every replica's metric state
// (totals, counts, confusion matrices) summed across the replicas, so logs hold the exact global
// values and are identical on every replica (DESIGN section 4). With one replica: the logs as
// they are.
#pragma once

#include "tandem/distributed/strategy.h"
#include "tandem/training/logs.h"

namespace tandem {

class Model;

// `logs` with each of the model's metrics (metrics_names()) set to its result over the summed
// state. The replicas' own state is left as it was. Collective: every replica calls it together.
Logs with_global_metrics(Model& model, distributed::Strategy& strategy, Logs logs);

}  // namespace tandem
