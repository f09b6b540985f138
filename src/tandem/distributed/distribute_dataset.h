// distribute_dataset (tf.distribute's experimental_distribute_dataset): this replica's share of a
// dataset for a custom training loop, the way fit shards its input: elements (batches, when the
// dataset is batched) r, r + N, r + 2N, ... for replica r of N, in the dataset's order. Build
// the dataset after distributed::init() (or seed its shuffle) so every replica shuffles alike.
// The replicas may get different numbers of batches: a loop whose steps all-reduce must run the
// same number everywhere (take the smallest with strategy.agree_min(cardinality)).
#pragma once

#include "tandem/data/dataset.h"
#include "tandem/distributed/strategy.h"

namespace tandem::distributed {

data::Dataset distribute_dataset(const data::Dataset& dataset, Strategy& strategy = get_strategy());

}  // namespace tandem::distributed
