#include "tandem/distributed/distribute_dataset.h"

#include "tandem/core/error.h"
#include "tandem/data/ops/nodes.h"

namespace tandem::distributed {

namespace {

// FILE policy: the dataset over this replica's files, or nullopt when it cannot be sharded by
// file (then `why` says what the dataset reads).
std::optional<data::Dataset> shard_by_file(const data::Dataset& dataset, Strategy& strategy,
                                           std::string& why) {
  const int n = strategy.num_replicas_in_sync();
  int64_t files = 0;
  data::detail::NodePtr sharded =
      data::detail::shard_by_file(dataset.node(), n, strategy.replica_id(), files);
  if (sharded) return data::Dataset(std::move(sharded));
  if (files == 0) {
    why =
        "the dataset reads no files through transformations of one input (its source must be "
        "list_files, TFRecordDataset or TextLineDataset)";
  } else {
    why = "the dataset reads ";
    why += std::to_string(files);
    why += " file(s) and there are ";
    why += std::to_string(n);
    why += " replicas (write the data into at least ";
    why += std::to_string(n);
    why += " files, e.g. tandem-records --num-shards)";
  }
  return std::nullopt;
}

}  // namespace

data::Dataset distribute_dataset(const data::Dataset& dataset, Strategy& strategy) {
  const int n = strategy.num_replicas_in_sync();
  const data::AutoShardPolicy policy = dataset.options().experimental_distribute.auto_shard_policy;
  if (n == 1 || policy == data::AutoShardPolicy::kOff) return dataset;
  if (policy == data::AutoShardPolicy::kFile || policy == data::AutoShardPolicy::kAuto) {
    std::string why;
    if (std::optional<data::Dataset> mine = shard_by_file(dataset, strategy, why)) return *mine;
    TANDEM_CHECK(policy != data::AutoShardPolicy::kFile, ValueError,
                 "AutoShardPolicy FILE needs at least as many files as replicas, but ", why,
                 "; use AutoShardPolicy DATA to shard by element");
  }
  return dataset.shard(n, strategy.replica_id());
}

}  // namespace tandem::distributed
