// LearningRateScheduler: the rate set at each epoch start is the one the batches train with.
#include "tandem/training/callbacks/learning_rate_scheduler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tandem/training/callbacks/lambda_callback.h"
#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;

TEST(LearningRateScheduler, SetsTheRateEveryEpochAndLogsIt) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model(0.1);
  std::vector<std::pair<int, double>> calls;
  auto scheduler = std::make_shared<LearningRateScheduler>([&](int epoch, double lr) {
    calls.emplace_back(epoch, lr);
    return epoch < 2 ? lr : lr * 0.5;
  });
  std::vector<double> batch_lrs;
  auto spy =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_batch_begin = [&](int64_t, Logs&) {
        batch_lrs.push_back(model->optimizer()->learning_rate());
      }});
  History h =
      model->fit(x, y, {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = {scheduler, spy}});
  EXPECT_EQ(calls, (std::vector<std::pair<int, double>>{{0, 0.1}, {1, 0.1}, {2, 0.1}, {3, 0.05}}));
  EXPECT_EQ(h["lr"], (std::vector<double>{0.1, 0.1, 0.05, 0.025}));
  EXPECT_EQ(batch_lrs, (std::vector<double>{0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025}));
}

TEST(LearningRateScheduler, ARateOfZeroFreezesTheWeights) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model(0.1);
  auto scheduler = std::make_shared<LearningRateScheduler>(
      [](int epoch, double) { return epoch == 1 ? 0.0 : 0.1; });
  auto snapshots = std::make_shared<testing::WeightSnapshots>();
  model->fit(x, y,
             {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {scheduler, snapshots}});
  EXPECT_EQ(snapshots->by_epoch.at(1), snapshots->by_epoch.at(0));
  EXPECT_NE(snapshots->by_epoch.at(2), snapshots->by_epoch.at(1));
}

TEST(LearningRateScheduler, InitialEpochIsPassedToTheSchedule) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model(0.1);
  std::vector<int> epochs;
  auto scheduler = std::make_shared<LearningRateScheduler>([&](int epoch, double) {
    epochs.push_back(epoch);
    return epoch == 2 ? 0.03 : 0.04;
  });
  History h = model->fit(
      x, y,
      {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = {scheduler}, .initial_epoch = 2});
  EXPECT_EQ(epochs, (std::vector<int>{2, 3}));
  EXPECT_EQ(h["lr"], (std::vector<double>{0.03, 0.04}));
}

TEST(LearningRateScheduler, VerboseMessageIsKeras) {
  clear_session();
  auto [x, y] = testing::linear_data(8);
  auto model = testing::linear_model(0.1);
  auto scheduler = std::make_shared<LearningRateScheduler>(
      [](int epoch, double) { return epoch == 0 ? 1.0 : 1e-05; }, 1);
  ::testing::internal::CaptureStdout();
  model->fit(x, y, {.epochs = 2, .verbose = 0, .callbacks = {scheduler}});
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "\nEpoch 1: LearningRateScheduler setting learning rate to 1.0.\n"
            "\nEpoch 2: LearningRateScheduler setting learning rate to 1e-05.\n");
}

TEST(LearningRateScheduler, RejectsNonFiniteRatesAndAMissingSchedule) {
  clear_session();
  auto [x, y] = testing::linear_data(8);
  auto model = testing::linear_model(0.1);
  auto bad = std::make_shared<LearningRateScheduler>([](int, double) { return std::nan(""); });
  expect_error<ValueError>([&] { model->fit(x, y, {.verbose = 0, .callbacks = {bad}}); }, "finite");
  expect_error<ValueError>([] { LearningRateScheduler(nullptr); }, "schedule");
}

}  // namespace
}  // namespace tandem
