#include "tandem/distributed/distribute_dataset.h"

namespace tandem::distributed {

data::Dataset distribute_dataset(const data::Dataset& dataset, Strategy& strategy) {
  if (strategy.num_replicas_in_sync() == 1) return dataset;
  return dataset.shard(strategy.num_replicas_in_sync(), strategy.replica_id());
}

}  // namespace tandem::distributed
