// Options of Model::fit / evaluate / predict (tf.keras Model.fit's keyword arguments).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/data/dataset.h"
#include "tandem/training/callbacks/callback.h"

namespace tandem {

using Tensors = std::vector<Tensor>;

// validation_data: tensors (x, y[, sample_weight]) or a Dataset of (x, y[, sample_weight]).
struct ValidationData {
  Tensors x = {};
  Tensors y = {};
  std::optional<Tensor> sample_weight = std::nullopt;
  std::optional<data::Dataset> dataset = std::nullopt;

  ValidationData() = default;
  ValidationData(Tensor x_, Tensor y_) : x{std::move(x_)}, y{std::move(y_)} {}
  ValidationData(Tensor x_, Tensor y_, Tensor sample_weight_)
      : x{std::move(x_)}, y{std::move(y_)}, sample_weight(std::move(sample_weight_)) {}
  ValidationData(Tensors x_, Tensors y_) : x(std::move(x_)), y(std::move(y_)) {}
  ValidationData(data::Dataset dataset_) : dataset(std::move(dataset_)) {}  // NOLINT
};

struct FitOptions {
  std::optional<int64_t> batch_size = std::nullopt;  // tensors only; default 32
  int epochs = 1;
  int verbose = 1;  // 0 silent, 1 progress bar, 2 one line per epoch
  Callbacks callbacks = {};
  double validation_split = 0.0;  // tensors only: the last fraction, taken before shuffling
  std::optional<ValidationData> validation_data = std::nullopt;
  bool shuffle = true;                                 // tensors only: a new order every epoch
  std::map<int64_t, double> class_weight = {};         // class index -> weight of its samples
  std::optional<Tensor> sample_weight = std::nullopt;  // tensors only: one weight per sample
  int initial_epoch = 0;
  // Batches per epoch. With a Dataset, the iterator then carries on across epochs (Keras).
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  std::optional<int64_t> validation_steps = std::nullopt;
  std::optional<int64_t> validation_batch_size = std::nullopt;
  // Validate every N epochs, or at the listed (1-based) epochs when validation_epochs is set.
  int validation_freq = 1;
  std::vector<int> validation_epochs = {};
};

struct EvaluateOptions {
  std::optional<int64_t> batch_size = std::nullopt;  // tensors only; default 32
  int verbose = 1;
  std::optional<Tensor> sample_weight = std::nullopt;
  std::optional<int64_t> steps = std::nullopt;
  Callbacks callbacks = {};
};

struct PredictOptions {
  std::optional<int64_t> batch_size = std::nullopt;  // tensors only; default 32
  int verbose = 1;
  std::optional<int64_t> steps = std::nullopt;
  Callbacks callbacks = {};
};

// One step's data, as train_step / test_step receive it (Keras's `data` tuple).
struct Batch {
  Tensors x = {};
  Tensors y = {};
  // Empty, one tensor for every output, or one per output.
  Tensors sample_weight = {};
};

}  // namespace tandem
