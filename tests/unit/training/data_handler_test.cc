#include "tandem/training/data_handler.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tandem/ops/creation.h"
#include "tandem/ops/random.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;

Tensor iota(int64_t n) { return range(int64_t{0}, n, int64_t{1}, int64); }

std::vector<int64_t> epoch_rows(DataHandler& h, int epoch, std::vector<int64_t>* sizes = nullptr) {
  std::vector<int64_t> seen;
  h.begin_epoch(epoch);
  while (auto batch = h.next()) {
    std::vector<int64_t> rows = batch->x[0].to_vector<int64_t>();
    if (sizes) sizes->push_back(static_cast<int64_t>(rows.size()));
    seen.insert(seen.end(), rows.begin(), rows.end());
  }
  return seen;
}

TEST(DataHandler, BatchesTensorsInOrderWithAShortLastBatch) {
  DataHandler h = DataHandler::from_tensors({iota(10)}, {iota(10)}, {.batch_size = 4});
  EXPECT_EQ(h.steps_per_epoch(), 3);
  std::vector<int64_t> sizes;
  std::vector<int64_t> rows = epoch_rows(h, 0, &sizes);
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(rows, iota(10).to_vector<int64_t>());
}

TEST(DataHandler, ShuffleVisitsEveryRowOncePerEpochInANewOrder) {
  set_random_seed(5);
  DataHandler h =
      DataHandler::from_tensors({iota(50)}, {iota(50)}, {.batch_size = 8, .shuffle = true});
  std::vector<int64_t> first = epoch_rows(h, 0), second = epoch_rows(h, 1);
  EXPECT_NE(first, second);
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  EXPECT_EQ(first, iota(50).to_vector<int64_t>());
  EXPECT_EQ(second, first);
}

TEST(DataHandler, ClassWeightsBecomeSampleWeights) {
  Tensor labels = constant(std::vector<int32_t>{0, 1, 2, 1}, Shape{4});
  DataHandler h = DataHandler::from_tensors(
      {iota(4)}, {labels},
      {.batch_size = 4,
       .sample_weight = constant(std::vector<float>{1, 2, 1, 1}, Shape{4}),
       .class_weight = {{1, 3.0}, {2, 0.5}}});
  h.begin_epoch(0);
  auto batch = h.next();
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->sample_weight.size(), 1u);
  testing::expect_values(batch->sample_weight[0], {1.0, 6.0, 0.5, 3.0});
}

TEST(DataHandler, UnpacksDatasetTuplesAndChecksTheirArity) {
  data::Dataset ds =
      data::Dataset::from_tensor_slices(std::vector<Tensor>{iota(6), iota(6)}).batch(4);
  DataHandler h = DataHandler::from_dataset(ds, {.input_names = {"x"}, .output_names = {"y"}});
  EXPECT_EQ(h.steps_per_epoch(), 2);
  std::vector<int64_t> sizes;
  EXPECT_EQ(epoch_rows(h, 0, &sizes), iota(6).to_vector<int64_t>());
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 2}));

  DataHandler two_outputs =
      DataHandler::from_dataset(ds, {.input_names = {"x"}, .output_names = {"a", "b"}});
  two_outputs.begin_epoch(0);
  expect_error<ValueError>([&] { two_outputs.next(); }, "1 input(s) and 2 target(s)");
  expect_error<ValueError>([&] { DataHandler::from_dataset(ds.repeat(), {.input_names = {"x"}}); },
                           "steps_per_epoch");
}

TEST(DataHandler, RejectsMismatchedSampleCounts) {
  expect_error<ValueError>([] { DataHandler::from_tensors({iota(5)}, {iota(4)}, {}); },
                           "same number of samples");
  expect_error<ValueError>([] { DataHandler::from_tensors({iota(5)}, {}, {.batch_size = 0}); },
                           "batch_size");
}

}  // namespace
}  // namespace tandem
