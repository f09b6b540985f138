// DataHandler: turns fit/evaluate/predict's data (tensors or a Dataset) into per-epoch Batches
// (Keras's DataHandler). There is one path: tensors become a Dataset source of shuffled batches
// (tensor_batches.h), so unpacking elements into inputs, targets and sample weights, class
// weights, steps_per_epoch, data-parallel sharding and step agreement are written once.
//
// Sharding (DESIGN section 4): under a strategy with N replicas, replica r takes batches r, r + N,
// r + 2N, ... of the data in the same (shared-seed) order, so one step of N replicas with batch b
// sees exactly the rows one replica with batch N * b would (tf.data's AutoShardPolicy.DATA applied
// to batches). The per-replica batch is the batch_size the user gave; pass batch_size / N for the
// global-batch convention. Every replica runs the same number of steps: the smallest replica's
// (agreed once when known, else step by step by the loop), with a warning saying what is dropped.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "tandem/distributed/strategy.h"
#include "tandem/training/fit_options.h"

namespace tandem {

// What the data is for, which decides its sharding: training shards it and agrees on equal step
// counts; evaluation shards it and lets each replica read its whole shard (the summed metrics
// then count every sample once); prediction shards it when every replica gets a batch, and the
// loop gathers the results back in order (gather_round_robin), else gives every replica all of it.
enum class DataUse { kTrain, kEvaluate, kPredict };

struct TensorDataOptions {
  int64_t batch_size = 32;
  bool shuffle = false;
  std::optional<Tensor> sample_weight = std::nullopt;
  std::map<int64_t, double> class_weight = {};
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  DataUse use = DataUse::kTrain;
};

struct DatasetDataOptions {
  std::vector<std::string> input_names = {};
  std::vector<std::string> output_names = {};
  std::map<int64_t, double> class_weight = {};
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  // Predict: elements hold inputs only (extra components are ignored).
  bool inputs_only = false;
  DataUse use = DataUse::kTrain;
};

class DataHandler {
 public:
  // x and y have one tensor per model input / output (y may be empty for predict), all with the
  // same number of rows (ValueError naming the sizes otherwise).
  static DataHandler from_tensors(Tensors x, Tensors y, const TensorDataOptions& options,
                                  distributed::Strategy& strategy = distributed::get_strategy());
  static DataHandler from_dataset(const data::Dataset& dataset, DatasetDataOptions options,
                                  distributed::Strategy& strategy = distributed::get_strategy());

  // Batches per epoch when known (the Progbar's target): the same on every replica.
  std::optional<int64_t> steps_per_epoch() const { return steps_; }
  // Starts epoch `epoch` (a new shuffle order, or a fresh dataset iterator unless steps_per_epoch
  // makes the iterator carry on across epochs as in Keras).
  void begin_epoch(int epoch);
  // The next batch of this epoch, or nullopt when the epoch is over on this replica.
  std::optional<Batch> next();
  // True when a dataset ran out before steps_per_epoch batches (fit stops, as Keras does).
  bool exhausted() const { return exhausted_; }
  // True when this replica reads only its shard (batches r, r + N, ...).
  bool sharded() const { return sharded_; }
  // The first batch of the whole data, unsharded and unshuffled: what a replica whose shard is
  // empty runs once to build what a first batch builds (compiled metrics), so that its (zero)
  // metric state can join the others' sum. nullopt when the data is empty.
  std::optional<Batch> first_unsharded_batch() const;

 private:
  DataHandler(data::Dataset dataset, DatasetDataOptions options, distributed::Strategy& strategy);
  Batch unpack(const data::Element& element) const;
  void add_class_weights(Batch& batch) const;

  data::Dataset dataset_;
  data::Dataset unsharded_;  // dataset_ before sharding and shuffling
  DatasetDataOptions options_;
  std::unique_ptr<data::IteratorBase> iterator_;
  bool exhausted_ = false;
  bool sharded_ = false;
  std::optional<int64_t> steps_;
  int64_t step_ = 0;
};

}  // namespace tandem
