// Undoes round-robin sharding: batches dealt to the replicas in turn (batch j to replica j mod N,
// as DataHandler shards) come back as one tensor on every replica, in the original batch order.
// Predict uses it to return every prediction, in order, on every rank.
#pragma once

#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/distributed/strategy.h"

namespace tandem::distributed {

// `batches`: this replica's batches in the order it received them (at least one; every replica
// the same dtype and trailing dimensions). Collective.
Tensor gather_round_robin(Strategy& strategy, const std::vector<Tensor>& batches);

}  // namespace tandem::distributed
