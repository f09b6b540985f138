// distribute_dataset (tf.distribute's experimental_distribute_dataset): this replica's share of a
// dataset, the way fit and evaluate shard their input, by the dataset's AutoShardPolicy
// (data/options.h; set it with dataset.with_options):
//   AUTO (default): by file when the dataset reads at least N files, else by element;
//   FILE: replica r of N reads files r, r + N, ... (ValueError when there are fewer files);
//   DATA: replica r keeps elements (batches, when batched) r, r + N, r + 2N, ... in the dataset's
//         order; build the dataset after distributed::init() (or seed its shuffle) so every
//         replica shuffles alike;
//   OFF: every replica gets the whole dataset.
// The replicas may get different numbers of batches: a loop whose steps all-reduce must run the
// same number everywhere (take the smallest with strategy.agree_min(cardinality), or agree step
// by step when the cardinality is unknown, as fit does).
#pragma once

#include "tandem/data/dataset.h"
#include "tandem/distributed/strategy.h"

namespace tandem::distributed {

data::Dataset distribute_dataset(const data::Dataset& dataset, Strategy& strategy = get_strategy());

}  // namespace tandem::distributed
