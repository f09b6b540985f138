// keras.datasets.cifar10 from the CIFAR-10 binary version (cifar-10-binary.tar.gz):
// data_batch_1..5.bin and test_batch.bin, each a sequence of 3073-byte records (1 label byte, then
// 32x32 red, green and blue planes).
#pragma once

#include <string>

#include "tandem/core/tensor.h"
#include "tandem/data/datasets/train_test_split.h"

namespace tandem::datasets::cifar10 {

inline constexpr int kImageSize = 32;
inline constexpr int kChannels = 3;
inline constexpr int kRecordBytes = 1 + kImageSize * kImageSize * kChannels;

// Returns ((x_train, y_train), (x_test, y_test)): uint8 images [N, 32, 32, 3] (NHWC, converted from
// the file's CHW) and uint8 labels [N, 1], like Keras. Reads `dir` (or its cifar-10-batches-bin
// subdirectory); when empty, $TANDEM_DATA_DIR/cifar-10-batches-bin or $TANDEM_DATA_DIR.
TrainTestSplit load_data(const std::string& dir = "");

// Decodes one binary batch file into (images NHWC, labels [N, 1]); IOError names the file when its
// size is not a multiple of 3073 bytes.
std::pair<Tensor, Tensor> read_batch_file(const std::string& path);

}  // namespace tandem::datasets::cifar10
