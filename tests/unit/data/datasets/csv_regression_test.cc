#include "tandem/data/datasets/csv_regression.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::datasets {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

std::string table(int rows) {
  std::string s = "a,b,target\n";
  for (int i = 0; i < rows; ++i) {
    s +=
        std::to_string(i) + "," + std::to_string(i * 10) + "," + std::to_string(i * 2 + 0.5) + "\n";
  }
  return s;
}

TEST(CsvRegression, SplitsWithoutShuffle) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), table(10));
  auto [train, test] = csv_regression::load_data(dir.file("r.csv"), {.shuffle = false});
  EXPECT_EQ(train.first.shape(), Shape({8, 2}));
  EXPECT_EQ(train.first.dtype(), DType::kFloat32);
  EXPECT_EQ(train.second.shape(), Shape({8}));
  EXPECT_EQ(test.first.shape(), Shape({2, 2}));
  expect_values(test.first, {8, 80, 9, 90});
  expect_values(test.second, {16.5, 18.5});
}

TEST(CsvRegression, ShuffleKeepsRowsTogether) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), table(50));
  auto [train, test] = csv_regression::load_data(dir.file("r.csv"), {.label_column = "a"});
  EXPECT_EQ(train.first.shape(), Shape({40, 2}));
  auto x = train.first.to_vector<float>();
  auto y = train.second.to_vector<float>();
  bool moved = false;
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_FLOAT_EQ(x[2 * i], y[i] * 10);  // b = 10 a
    moved |= y[i] != static_cast<float>(i);
  }
  EXPECT_TRUE(moved);
}

TEST(CsvRegression, Errors) {
  TempDir dir;
  write_bytes(dir.file("s.csv"), "a,name\n1,x\n");
  expect_error<TypeError>([&] { csv_regression::load_data(dir.file("s.csv")); },
                          "column 'name' of");
  write_bytes(dir.file("r.csv"), table(3));
  expect_error<ValueError>(
      [&] { csv_regression::load_data(dir.file("r.csv"), {.label_column = "price"}); },
      "label_column 'price'");
}

}  // namespace
}  // namespace tandem::datasets
