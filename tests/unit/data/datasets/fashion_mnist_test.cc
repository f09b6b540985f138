#include "tandem/data/datasets/fashion_mnist.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "tandem/data/datasets/mnist.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::datasets {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

std::string header(int rank, std::vector<uint32_t> dims) {
  std::string s = {0, 0, 0x08, static_cast<char>(rank)};
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  return s;
}

// A tiny dataset in `dir`: n_train / n_test images whose pixels all equal their label.
void write_tiny(const TempDir& dir, int n_train, int n_test, int n_test_labels) {
  auto images = [](int n) {
    std::string body;
    for (int i = 0; i < n; ++i) body += std::string(28 * 28, static_cast<char>(i % 10));
    return header(3, {static_cast<uint32_t>(n), 28, 28}) + body;
  };
  auto labels = [](int n) {
    std::string body;
    for (int i = 0; i < n; ++i) body.push_back(static_cast<char>(i % 10));
    return header(1, {static_cast<uint32_t>(n)}) + body;
  };
  write_bytes(dir.file("train-images-idx3-ubyte"), images(n_train));
  write_bytes(dir.file("train-labels-idx1-ubyte"), labels(n_train));
  write_bytes(dir.file("t10k-images-idx3-ubyte"), images(n_test));
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), labels(n_test_labels));
}

TEST(FashionMnist, LoadsFromExplicitDirectory) {
  TempDir dir;
  write_tiny(dir, 5, 3, 3);
  auto [train, test] = fashion_mnist::load_data(dir.path().string());
  auto [x_train, y_train] = train;
  auto [x_test, y_test] = test;
  EXPECT_EQ(x_train.shape(), Shape({5, 28, 28}));
  EXPECT_EQ(x_train.dtype(), DType::kUInt8);
  EXPECT_EQ(y_train.shape(), Shape({5}));
  expect_values(y_train, {0, 1, 2, 3, 4});
  EXPECT_EQ(x_test.shape(), Shape({3, 28, 28}));
  EXPECT_EQ(x_train.to_vector<int>()[4 * 784 + 100], 4);
  expect_values(y_test, {0, 1, 2});
}

TEST(FashionMnist, ReadsTandemDataDir) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "mnist");
  write_tiny(dir, 2, 1, 1);  // at the root: used by fashion_mnist (no fashion-mnist subdir)
  setenv("TANDEM_DATA_DIR", dir.path().c_str(), 1);
  auto [train, test] = fashion_mnist::load_data();
  EXPECT_EQ(train.first.shape(), Shape({2, 28, 28}));
  // mnist prefers $TANDEM_DATA_DIR/mnist, which is empty here.
  expect_error<IOError>([] { mnist::load_data(); }, "mnist/train-images-idx3-ubyte");
  unsetenv("TANDEM_DATA_DIR");
  expect_error<ValueError>([] { mnist::load_data(); }, "TANDEM_DATA_DIR is not set");
}

TEST(FashionMnist, LabelCountMismatch) {
  TempDir dir;
  write_tiny(dir, 2, 3, 2);
  expect_error<IOError>([&] { fashion_mnist::load_data(dir.path().string()); },
                        "holds 3 images but");
}

TEST(FashionMnist, MissingDirectory) {
  expect_error<IOError>([] { mnist::load_data("/no/such/dir"); }, "'/no/such/dir' does not exist");
}

// The real test set from Debian's dataset-fashion-mnist, when installed.
TEST(FashionMnist, RealTestSetFromDebianPackage) {
  std::string dir = fashion_mnist::kDefaultDir;
  if (!std::filesystem::exists(dir + "/t10k-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  }
  unsetenv("TANDEM_DATA_DIR");
  auto [train, test] = fashion_mnist::load_data();
  EXPECT_EQ(train.first.shape(), Shape({60000, 28, 28}));
  EXPECT_EQ(train.second.shape(), Shape({60000}));
  EXPECT_EQ(test.first.shape(), Shape({10000, 28, 28}));
  std::vector<int> counts(10, 0);
  for (int label : test.second.to_vector<int>()) ++counts.at(label);
  EXPECT_EQ(counts, std::vector<int>(10, 1000));
  EXPECT_EQ(test.second.to_vector<int>()[0], 9);  // the first test image is an ankle boot
}

}  // namespace
}  // namespace tandem::datasets
