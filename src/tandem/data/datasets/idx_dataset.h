// Shared loader of MNIST-style datasets: the four IDX files (train/t10k images and labels, plain or
// .gz) of one directory. Used by fashion_mnist and mnist.
#pragma once

#include <string>

#include "tandem/data/datasets/train_test_split.h"

namespace tandem::datasets::detail {

// Loads <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; `dataset` names the dataset in
// error messages. Checks that images and labels agree in count.
TrainTestSplit load_idx_dataset(const std::string& dataset, const std::string& dir);

// The directory to read: `dir` when given, else $TANDEM_DATA_DIR/<subdir> when it exists, else
// $TANDEM_DATA_DIR, else `fallback` (may be empty: then ValueError).
std::string resolve_data_dir(const std::string& dataset, const std::string& dir,
                             const std::string& subdir, const std::string& fallback);

}  // namespace tandem::datasets::detail
