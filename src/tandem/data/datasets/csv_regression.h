// A loader for regression tables in CSV files, shaped like keras.datasets.boston_housing: numeric
// feature columns and one numeric target column, split into train and test sets.
#pragma once

#include <cstdint>
#include <string>

#include "tandem/data/datasets/train_test_split.h"
#include "tandem/data/readers/csv_reader.h"

namespace tandem::datasets::csv_regression {

struct LoadOptions {
  std::string label_column = "";  // the target; empty = the last column
  double test_split = 0.2;  // fraction of rows in the test set (the last rows after shuffling)
  bool shuffle = true;      // shuffle rows before splitting
  uint64_t seed = 113;      // keras.datasets.boston_housing's default
  data::CsvReaderOptions csv = {};
};

// Returns ((x_train, y_train), (x_test, y_test)): float32 features [N, F] and targets [N]. Every
// column must be numeric (TypeError names a string column); CSV errors name file:line and column.
TrainTestSplit load_data(const std::string& path, const LoadOptions& options = {});

}  // namespace tandem::datasets::csv_regression
