// keras.datasets.mnist: 60000 training and 10000 test 28x28 grayscale images of handwritten digits.
#pragma once

#include <string>

#include "tandem/data/datasets/train_test_split.h"

namespace tandem::datasets::mnist {

// The default directory when neither an argument nor TANDEM_DATA_DIR is given.
inline constexpr const char* kDefaultDir = "";

// Returns ((x_train, y_train), (x_test, y_test)): uint8 images [N, 28, 28] and uint8 labels [N],
// like Keras. Reads the IDX files (plain or .gz) of `dir`; when empty, of $TANDEM_DATA_DIR/mnist
// (or $TANDEM_DATA_DIR itself). Debian ships no MNIST package, so without either: ValueError.
TrainTestSplit load_data(const std::string& dir = "");

}  // namespace tandem::datasets::mnist
