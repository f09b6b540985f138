#include "tandem/data/datasets/cifar10.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::datasets {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

// A record whose pixel (h, w) in channel c has value (c * 100 + h + w) % 256.
std::string record(int label) {
  std::string r(1, static_cast<char>(label));
  for (int c = 0; c < 3; ++c) {
    for (int h = 0; h < 32; ++h) {
      for (int w = 0; w < 32; ++w) r.push_back(static_cast<char>((c * 100 + h + w) % 256));
    }
  }
  return r;
}

TEST(Cifar10, LoadsBatchesAsNhwc) {
  TempDir dir;
  for (int i = 1; i <= 5; ++i) {
    write_bytes(dir.file("data_batch_" + std::to_string(i) + ".bin"), record(i) + record(i + 1));
  }
  write_bytes(dir.file("test_batch.bin"), record(9));
  auto [train, test] = cifar10::load_data(dir.path().string());
  EXPECT_EQ(train.first.shape(), Shape({10, 32, 32, 3}));
  EXPECT_EQ(train.second.shape(), Shape({10, 1}));
  expect_values(train.second, {1, 2, 2, 3, 3, 4, 4, 5, 5, 6});
  EXPECT_EQ(test.first.shape(), Shape({1, 32, 32, 3}));
  // Pixel (h=2, w=5) of the test image: channels 7, 107, 207.
  std::vector<int> px = test.first.to_vector<int>();
  int at = (2 * 32 + 5) * 3;
  EXPECT_EQ((std::vector<int>{px[at], px[at + 1], px[at + 2]}), (std::vector<int>{7, 107, 207}));
}

TEST(Cifar10, TruncatedBatch) {
  TempDir dir;
  write_bytes(dir.file("b.bin"), record(1) + record(2).substr(0, 100));
  expect_error<IOError>([&] { cifar10::read_batch_file(dir.file("b.bin")); },
                        "has 3173 bytes, expected a multiple of 3073");
}

TEST(Cifar10, MissingFile) {
  TempDir dir;
  expect_error<IOError>([&] { cifar10::load_data(dir.path().string()); }, "data_batch_1.bin");
}

}  // namespace
}  // namespace tandem::datasets
