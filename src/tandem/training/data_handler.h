// DataHandler: turns fit/evaluate/predict's data (tensors or a Dataset) into per-epoch Batches
// (Keras's DataHandler): batching and per-epoch shuffling of tensors, unpacking of Dataset
// elements into inputs, targets and sample weights, class weights, and steps_per_epoch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/data/dataset.h"
#include "tandem/training/fit_options.h"

namespace tandem {

struct TensorDataOptions {
  int64_t batch_size = 32;
  bool shuffle = false;
  std::optional<Tensor> sample_weight = std::nullopt;
  std::map<int64_t, double> class_weight = {};
  std::optional<int64_t> steps_per_epoch = std::nullopt;
};

struct DatasetDataOptions {
  std::vector<std::string> input_names = {};
  std::vector<std::string> output_names = {};
  std::map<int64_t, double> class_weight = {};
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  // Predict: elements hold inputs only (extra components are ignored).
  bool inputs_only = false;
};

class DataHandler {
 public:
  // x and y have one tensor per model input / output (y may be empty for predict), all with the
  // same number of rows (ValueError naming the sizes otherwise).
  static DataHandler from_tensors(Tensors x, Tensors y, const TensorDataOptions& options);
  static DataHandler from_dataset(const data::Dataset& dataset, DatasetDataOptions options);

  // Batches per epoch when known (the Progbar's target).
  std::optional<int64_t> steps_per_epoch() const { return steps_; }
  // Starts epoch `epoch` (a new shuffle order, or a fresh dataset iterator unless steps_per_epoch
  // makes the iterator carry on across epochs as in Keras).
  void begin_epoch(int epoch);
  // The next batch of this epoch, or nullopt when the epoch is over.
  std::optional<Batch> next();
  // True when a dataset ran out before steps_per_epoch batches (fit stops, as Keras does).
  bool exhausted() const { return exhausted_; }

 private:
  std::optional<Batch> next_tensor_batch();
  std::optional<Batch> next_dataset_batch();
  Batch unpack(const data::Element& element) const;
  void add_class_weights(Batch& batch) const;

  // Tensor data.
  Tensors x_, y_;
  std::optional<Tensor> sample_weight_;
  int64_t rows_ = 0;
  int64_t batch_size_ = 32;
  bool shuffle_ = false;
  std::optional<Tensor> order_;  // int64 row permutation of the current epoch
  int64_t cursor_ = 0;           // next row
  // Dataset data.
  std::optional<data::Dataset> dataset_;
  std::unique_ptr<data::IteratorBase> iterator_;
  DatasetDataOptions dataset_options_;
  bool exhausted_ = false;
  // Both.
  std::map<int64_t, double> class_weight_;
  std::optional<int64_t> steps_;
  std::optional<int64_t> steps_per_epoch_option_;
  int64_t step_ = 0;
};

}  // namespace tandem
