// Differentiable cross-replica reductions for layers that compute over every replica's batch
// (SyncBatchNormalization). Collective: every replica calls them in the same order.
#pragma once

#include "tandem/core/tensor.h"

namespace tandem::distributed {

// The element-wise sum of x over the replicas of the current strategy (x itself on one process).
// Its gradient is the sum of the replicas' upstream gradients: each replica's x reaches every
// replica's loss through the sum, and the data-parallel average of the weights' gradients then
// equals the gradient of the mean loss over the global batch.
Tensor cross_replica_sum(const Tensor& x);

}  // namespace tandem::distributed
