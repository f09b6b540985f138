#include "tandem/training/data_handler.h"

#include <algorithm>
#include <iostream>

#include "tandem/core/error.h"
#include "tandem/core/join.h"
#include "tandem/data/ops/nodes.h"
#include "tandem/distributed/distribute_dataset.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"
#include "tandem/training/tensor_batches.h"

namespace tandem {

namespace {

std::string shape_list(const Tensors& ts) {
  return join(ts, [](const Tensor& t) { return t.shape().to_string(); });
}

// Prediction is sharded only when every replica gets at least one of the known number of batches
// (each replica's results are then gathered back in order); otherwise, or with a step limit,
// every replica predicts everything.
bool shards_prediction(int64_t batches, bool steps_given, const distributed::Strategy& strategy) {
  return !steps_given && batches >= strategy.num_replicas_in_sync();
}

}  // namespace

DataHandler DataHandler::from_tensors(Tensors x, Tensors y, const TensorDataOptions& options,
                                      distributed::Strategy& strategy) {
  TANDEM_CHECK(!x.empty(), ValueError, "expected input data x, received none");
  TANDEM_CHECK(options.batch_size > 0, ValueError, "batch_size must be positive, received ",
               options.batch_size);
  Tensors all = x;
  all.insert(all.end(), y.begin(), y.end());
  if (options.sample_weight) all.push_back(*options.sample_weight);
  for (const auto& t : all) {
    TANDEM_CHECK(t.rank() >= 1, ValueError,
                 "data must have a batch dimension, received a scalar among shapes [",
                 shape_list(all), "]");
    TANDEM_CHECK(t.shape()[0] == all[0].shape()[0], ValueError,
                 "data cardinality is ambiguous: x, y and sample_weight must have the same number "
                 "of samples, received shapes [",
                 shape_list(all), "]");
  }
  TANDEM_CHECK(all[0].shape()[0] > 0, ValueError, "expected at least one sample, received 0 rows");
  const int64_t batch_count = (all[0].shape()[0] + options.batch_size - 1) / options.batch_size;
  const bool shard = options.use != DataUse::kPredict ||
                     shards_prediction(batch_count, options.steps_per_epoch.has_value(), strategy);
  // The shuffle seed is the chief's, so that every replica cuts the same order into batches.
  auto seed = [&strategy] {
    kernels::PhiloxStream s = next_random_stream();
    return strategy.shared_seed(data::detail::mix_seed(s.seed, s.stream));
  };
  TensorBatchesOptions batching{.batch_size = options.batch_size,
                                .shuffle = options.shuffle,
                                .seed = seed,
                                .num_shards = shard ? strategy.num_replicas_in_sync() : 1,
                                .shard = shard ? strategy.replica_id() : 0,
                                .repeat = options.steps_per_epoch.has_value()};
  data::Dataset batches = tensor_batches(all, batching);
  std::vector<std::string> inputs(x.size()), outputs(y.size());
  DataHandler handler(batches,
                      {.input_names = inputs,
                       .output_names = outputs,
                       .class_weight = options.class_weight,
                       .steps_per_epoch = options.steps_per_epoch,
                       .inputs_only = y.empty(),
                       .use = options.use},
                      strategy);
  handler.sharded_ = shard && strategy.num_replicas_in_sync() > 1;
  if (handler.sharded_) {
    batching.shuffle = false;  // no shared seed to agree on: one replica reads it alone
    batching.num_shards = 1;
    batching.shard = 0;
    handler.unsharded_ = tensor_batches(all, batching);
  }
  return handler;
}

DataHandler DataHandler::from_dataset(const data::Dataset& dataset, DatasetDataOptions options,
                                      distributed::Strategy& strategy) {
  const int replicas = strategy.num_replicas_in_sync();
  const bool off =
      dataset.options().experimental_distribute.auto_shard_policy == data::AutoShardPolicy::kOff;
  data::Dataset source = dataset;
  bool sharded = false;
  if (replicas > 1 && !off) {
    if (options.use != DataUse::kPredict) {
      source = distributed::distribute_dataset(dataset, strategy);
      sharded = true;
    } else if (shards_prediction(dataset.cardinality(), options.steps_per_epoch.has_value(),
                                 strategy)) {
      // Always by batch, whatever the policy: gather_round_robin puts the results back in order.
      source = dataset.shard(replicas, strategy.replica_id());
      sharded = true;
    }
  }
  DataHandler handler(source, std::move(options), strategy);
  handler.sharded_ = sharded;
  handler.unsharded_ = dataset;
  return handler;
}

DataHandler::DataHandler(data::Dataset dataset, DatasetDataOptions options,
                         distributed::Strategy& strategy)
    : dataset_(std::move(dataset)), unsharded_(dataset_), options_(std::move(options)) {
  int64_t cardinality = dataset_.cardinality();
  if (options_.steps_per_epoch) {
    steps_ = options_.steps_per_epoch;
  } else if (cardinality >= 0) {
    steps_ = cardinality;
  } else {
    TANDEM_CHECK(cardinality != data::INFINITE_CARDINALITY, ValueError,
                 "the dataset is infinite (repeat() without a count): pass steps_per_epoch (or "
                 "steps) to say how many batches make an epoch");
  }
  // Unknown sizes are agreed step by step by the training loop.
  if (options_.use != DataUse::kTrain || !steps_) return;
  const int64_t agreed = strategy.agree_min(*steps_);
  const int64_t dropped =
      strategy.all_reduce_sum({constant(Literal(*steps_ - agreed), int64)})[0].item<int64_t>();
  TANDEM_CHECK(agreed > 0 || dropped == 0, ValueError,
               "every replica needs at least one batch "
               "per epoch to train, but the data makes only ",
               dropped, " batch(es) for ", strategy.num_replicas_in_sync(),
               " replicas: use a smaller batch_size");
  if (dropped > 0 && strategy.is_chief())
    std::cerr << "WARNING: the replicas' shards have different numbers of batches; every replica "
                 "runs "
              << agreed << " steps per epoch and " << dropped
              << " batch(es) per epoch are dropped (make the number of batches divisible by "
              << strategy.num_replicas_in_sync() << " to use them all)\n";
  steps_ = agreed;
}

void DataHandler::begin_epoch(int epoch) {
  step_ = 0;
  // With steps_per_epoch the iterator carries on across epochs (Keras); otherwise each epoch
  // is one full pass, in that epoch's shuffle order.
  if (!iterator_ || !options_.steps_per_epoch) {
    iterator_ = dataset_.make_iterator(static_cast<uint64_t>(epoch));
  }
}

std::optional<Batch> DataHandler::next() {
  if (steps_ && step_ >= *steps_) return std::nullopt;
  std::optional<data::Element> element = iterator_->next();
  if (!element) {
    if (options_.steps_per_epoch) exhausted_ = true;
    iterator_.reset();
    return std::nullopt;
  }
  Batch batch = unpack(*element);
  ++step_;
  add_class_weights(batch);
  return batch;
}

std::optional<Batch> DataHandler::first_unsharded_batch() const {
  std::optional<data::Element> element = unsharded_.make_iterator(0)->next();
  if (!element) return std::nullopt;
  Batch batch = unpack(*element);
  add_class_weights(batch);
  return batch;
}

// Maps an element's components onto inputs, targets and weights: by name for map elements
// (input names, output names, "sample_weight"), by position for tuples (inputs, then outputs,
// then an optional sample weight), as Keras unpacks (x, y, sample_weight).
Batch DataHandler::unpack(const data::Element& element) const {
  const auto& in = options_.input_names;
  const auto& out = options_.output_names;
  Batch batch;
  if (element.is_map()) {
    for (const auto& name : in) batch.x.push_back(element[name]);
    if (!options_.inputs_only) {
      for (const auto& name : out) {
        if (element.contains(name)) batch.y.push_back(element[name]);
      }
      if (element.contains("sample_weight"))
        batch.sample_weight.push_back(element["sample_weight"]);
    }
    return batch;
  }
  size_t n_in = in.size(), n_out = out.size();
  if (options_.inputs_only) {
    TANDEM_CHECK(element.size() >= n_in, ValueError, "expected dataset elements with at least ",
                 n_in, " input component(s), received ", element.describe());
    for (size_t i = 0; i < n_in; ++i) batch.x.push_back(element.at(int64_t(i)));
    return batch;
  }
  TANDEM_CHECK(element.size() == n_in + n_out || element.size() == n_in + n_out + 1, ValueError,
               "expected dataset elements of ", n_in, " input(s) and ", n_out,
               " target(s) (optionally followed by a sample weight), received ",
               element.describe());
  for (size_t i = 0; i < element.size(); ++i) {
    const Tensor& t = element.at(int64_t(i));
    if (i < n_in)
      batch.x.push_back(t);
    else if (i < n_in + n_out)
      batch.y.push_back(t);
    else
      batch.sample_weight.push_back(t);
  }
  return batch;
}

// class_weight: each sample's weight is its class's (the argmax for one-hot targets), multiplied
// into any sample weight. Only for single-output models, as in Keras.
void DataHandler::add_class_weights(Batch& batch) const {
  if (options_.class_weight.empty() || batch.y.empty()) return;
  TANDEM_CHECK(batch.y.size() == 1, ValueError,
               "class_weight is only supported for models with a single output, received ",
               batch.y.size(), " targets");
  const Tensor& y = batch.y[0];
  Tensor classes = (y.rank() >= 2 && y.shape()[y.rank() - 1] > 1)
                       ? argmax(y, -1)
                       : cast(reshape(y, Shape{-1}), int64);
  std::vector<int64_t> ids = cast(classes, int64).to_vector<int64_t>();
  std::vector<float> weights(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = options_.class_weight.find(ids[i]);
    weights[i] = it == options_.class_weight.end() ? 1.0f : static_cast<float>(it->second);
  }
  Tensor w = constant(weights, Shape{int64_t(weights.size())});
  if (batch.sample_weight.empty()) {
    batch.sample_weight.push_back(w);
  } else {
    batch.sample_weight[0] = cast(batch.sample_weight[0], float32) * w;
  }
}

}  // namespace tandem
