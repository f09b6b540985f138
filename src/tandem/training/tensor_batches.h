// tensor_batches: fit/evaluate/predict's in-memory tensors as a Dataset of batches, the source
// DataHandler reads instead of a user Dataset. Each epoch takes the rows in one order (a
// permutation of the rows when shuffling, from the seed and the epoch only, so every replica
// that shares the seed shares the order), cuts it into batches of batch_size (the last one may be
// short), and yields batches shard, shard + num_shards, ... of them. Element: the tensors' rows,
// in the order given.
#pragma once

#include <cstdint>
#include <functional>

#include "tandem/data/dataset.h"

namespace tandem {

struct TensorBatchesOptions {
  int64_t batch_size = 32;
  bool shuffle = false;
  // The seed of the shuffle orders, asked for once, when the first iteration starts (not when the
  // dataset is made: fit's callbacks, BackupAndRestore among them, run in between).
  std::function<uint64_t()> seed = nullptr;
  int64_t num_shards = 1;
  int64_t shard = 0;
  // Start another pass (in a new order) instead of ending: an infinite dataset.
  bool repeat = false;
};

data::Dataset tensor_batches(std::vector<Tensor> tensors, const TensorBatchesOptions& options);

}  // namespace tandem
