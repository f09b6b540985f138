#include "tandem/training/data_handler.h"

#include <algorithm>

#include "tandem/core/error.h"
#include "tandem/core/join.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

namespace {

Tensor rows(const Tensor& t, int64_t start, int64_t end) { return t[{Slice(start, end)}]; }

std::string shape_list(const Tensors& ts) {
  return join(ts, [](const Tensor& t) { return t.shape().to_string(); });
}

}  // namespace

DataHandler DataHandler::from_tensors(Tensors x, Tensors y, const TensorDataOptions& options) {
  TANDEM_CHECK(!x.empty(), ValueError, "expected input data x, received none");
  TANDEM_CHECK(options.batch_size > 0, ValueError, "batch_size must be positive, received ",
               options.batch_size);
  DataHandler h;
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
  h.rows_ = x[0].shape()[0];
  TANDEM_CHECK(h.rows_ > 0, ValueError, "expected at least one sample, received 0 rows");
  h.x_ = std::move(x);
  h.y_ = std::move(y);
  h.sample_weight_ = options.sample_weight;
  h.batch_size_ = options.batch_size;
  h.shuffle_ = options.shuffle;
  h.class_weight_ = options.class_weight;
  h.steps_per_epoch_option_ = options.steps_per_epoch;
  h.steps_ = options.steps_per_epoch.value_or((h.rows_ + h.batch_size_ - 1) / h.batch_size_);
  return h;
}

DataHandler DataHandler::from_dataset(const data::Dataset& dataset, DatasetDataOptions options) {
  DataHandler h;
  h.dataset_ = dataset;
  h.class_weight_ = options.class_weight;
  h.steps_per_epoch_option_ = options.steps_per_epoch;
  int64_t cardinality = dataset.cardinality();
  if (options.steps_per_epoch) {
    h.steps_ = options.steps_per_epoch;
  } else if (cardinality >= 0) {
    h.steps_ = cardinality;
  } else {
    TANDEM_CHECK(cardinality != data::INFINITE_CARDINALITY, ValueError,
                 "the dataset is infinite (repeat() without a count): pass steps_per_epoch (or "
                 "steps) to say how many batches make an epoch");
  }
  h.dataset_options_ = std::move(options);
  return h;
}

void DataHandler::begin_epoch(int epoch) {
  step_ = 0;
  if (dataset_) {
    // With steps_per_epoch the iterator carries on across epochs (Keras); otherwise each epoch
    // is one full pass, in that epoch's shuffle order.
    if (!iterator_ || !steps_per_epoch_option_) {
      iterator_ = dataset_->make_iterator(static_cast<uint64_t>(epoch));
    }
    return;
  }
  cursor_ = 0;
  if (shuffle_) order_ = random_shuffle(range(int64_t{0}, rows_, int64_t{1}, int64));
}

std::optional<Batch> DataHandler::next() {
  if (steps_ && step_ >= *steps_) return std::nullopt;
  std::optional<Batch> batch = dataset_ ? next_dataset_batch() : next_tensor_batch();
  if (!batch) return std::nullopt;
  ++step_;
  add_class_weights(*batch);
  return batch;
}

std::optional<Batch> DataHandler::next_tensor_batch() {
  if (cursor_ >= rows_) {  // steps_per_epoch beyond one pass: start another
    cursor_ = 0;
    if (shuffle_) order_ = random_shuffle(range(int64_t{0}, rows_, int64_t{1}, int64));
  }
  int64_t start = cursor_, end = std::min(cursor_ + batch_size_, rows_);
  cursor_ = end;
  auto take = [&](const Tensor& t) {
    return order_ ? gather(t, rows(*order_, start, end)) : rows(t, start, end);
  };
  Batch batch;
  for (const auto& t : x_) batch.x.push_back(take(t));
  for (const auto& t : y_) batch.y.push_back(take(t));
  if (sample_weight_) batch.sample_weight.push_back(take(*sample_weight_));
  return batch;
}

std::optional<Batch> DataHandler::next_dataset_batch() {
  std::optional<data::Element> element = iterator_->next();
  if (!element) {
    if (steps_per_epoch_option_) exhausted_ = true;
    iterator_.reset();
    return std::nullopt;
  }
  return unpack(*element);
}

// Maps an element's components onto inputs, targets and weights: by name for map elements
// (input names, output names, "sample_weight"), by position for tuples (inputs, then outputs,
// then an optional sample weight), as Keras unpacks (x, y, sample_weight).
Batch DataHandler::unpack(const data::Element& element) const {
  const auto& in = dataset_options_.input_names;
  const auto& out = dataset_options_.output_names;
  Batch batch;
  if (element.is_map()) {
    for (const auto& name : in) batch.x.push_back(element[name]);
    if (!dataset_options_.inputs_only) {
      for (const auto& name : out) {
        if (element.contains(name)) batch.y.push_back(element[name]);
      }
      if (element.contains("sample_weight"))
        batch.sample_weight.push_back(element["sample_weight"]);
    }
    return batch;
  }
  size_t n_in = in.size(), n_out = out.size();
  if (dataset_options_.inputs_only) {
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
  if (class_weight_.empty() || batch.y.empty()) return;
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
    auto it = class_weight_.find(ids[i]);
    weights[i] = it == class_weight_.end() ? 1.0f : static_cast<float>(it->second);
  }
  Tensor w = constant(weights, Shape{int64_t(weights.size())});
  if (batch.sample_weight.empty()) {
    batch.sample_weight.push_back(w);
  } else {
    batch.sample_weight[0] = cast(batch.sample_weight[0], float32) * w;
  }
}

}  // namespace tandem
