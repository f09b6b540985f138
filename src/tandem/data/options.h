// Options of a dataset (tf.data.Options), attached with Dataset::with_options. Today they say how
// a data-parallel strategy shards the dataset among its replicas.
#pragma once

namespace tandem::data {

// tf.data.experimental.AutoShardPolicy: how fit / evaluate / distribute_dataset split a dataset
// among N replicas.
//   kAuto: kFile when the dataset reads at least N files, else kData (tf.data's default).
//   kFile: replica r reads files r, r + N, ... of the file source (list_files, TFRecordDataset,
//          TextLineDataset) and every transformation runs on its own files; a dataset that
//          reads fewer files than there are replicas, or no files, is an error.
//   kData: replica r keeps elements (batches, when batched) r, r + N, ... of the whole dataset.
//   kOff:  no sharding: every replica reads the whole dataset (shard it yourself).
enum class AutoShardPolicy { kAuto, kFile, kData, kOff };

const char* to_string(AutoShardPolicy policy);

// tf.data.experimental.DistributeOptions.
struct DistributeOptions {
  AutoShardPolicy auto_shard_policy = AutoShardPolicy::kAuto;
};

struct Options {
  DistributeOptions experimental_distribute = {};
};

}  // namespace tandem::data
