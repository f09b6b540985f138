// TerminateOnNaN: training stops at the first batch whose loss is NaN or infinite.
#include "tandem/training/callbacks/terminate_on_nan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tandem/losses/loss.h"
#include "tandem/ops/reduction.h"
#include "tandem/training/callbacks/lambda_callback.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

// Mean squared error, except that call number `bad_call` (0-based) returns `bad_value`.
Losses loss_going_bad_at(int bad_call, double bad_value, int& calls) {
  return Losses(losses::make_loss("mse_going_bad", [bad_call, bad_value, &calls](
                                                       const Tensor& y_true, const Tensor& y_pred) {
    Tensor per_sample = reduce_mean(square(y_pred - y_true), {.axis = std::vector<int64_t>{-1}});
    return calls++ == bad_call ? per_sample * bad_value : per_sample;
  }));
}

struct Outcome {
  History history;
  std::vector<int64_t> batches;
  std::string printed;
};

Outcome fit_until_bad(int bad_call, double bad_value) {
  clear_session();
  auto [x, y] = testing::linear_data(64);
  int calls = 0;
  auto model = testing::linear_model(0.05, {}, loss_going_bad_at(bad_call, bad_value, calls));
  Outcome outcome;
  auto counter = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_batch_end = [&](int64_t batch, Logs&) { outcome.batches.push_back(batch); }});
  ::testing::internal::CaptureStdout();
  outcome.history = model->fit(x, y,
                               {.batch_size = 8,
                                .epochs = 5,
                                .verbose = 0,
                                .callbacks = {counter, std::make_shared<TerminateOnNaN>()}});
  outcome.printed = ::testing::internal::GetCapturedStdout();
  return outcome;
}

TEST(TerminateOnNaN, StopsAtTheFirstNaNBatch) {
  // 8 batches per epoch; the 11th loss call (epoch 1, batch 2) is NaN.
  Outcome o = fit_until_bad(10, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(o.batches, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2}));
  EXPECT_EQ(o.printed, "Batch 2: Invalid loss, terminating training\n");
  // The interrupted epoch still ends (Keras calls on_epoch_end), with the NaN running loss.
  ASSERT_EQ(o.history.epoch(), (std::vector<int>{0, 1}));
  EXPECT_TRUE(std::isfinite(o.history["loss"][0]));
  EXPECT_TRUE(std::isnan(o.history["loss"][1]));
}

TEST(TerminateOnNaN, StopsOnAnInfiniteLossToo) {
  Outcome o = fit_until_bad(3, std::numeric_limits<double>::infinity());
  EXPECT_EQ(o.batches, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(o.printed, "Batch 3: Invalid loss, terminating training\n");
  EXPECT_EQ(o.history.epoch().size(), 1u);
}

TEST(TerminateOnNaN, FiniteLossesTrainEveryEpoch) {
  Outcome o = fit_until_bad(-1, 0.0);
  EXPECT_EQ(o.batches.size(), 40u);
  EXPECT_EQ(o.printed, "");
  EXPECT_EQ(o.history.epoch().size(), 5u);
}

TEST(TerminateOnNaN, IgnoresLogsWithoutALoss) {
  auto model = testing::linear_model();
  TerminateOnNaN callback;
  callback.set_model(model.get());
  Logs logs{{"mae", std::numeric_limits<double>::quiet_NaN()}};
  callback.on_train_batch_end(0, logs);
  EXPECT_FALSE(model->stop_training());
  Logs finite{{"loss", 1.0}};
  callback.on_train_batch_end(1, finite);
  EXPECT_FALSE(model->stop_training());
}

}  // namespace
}  // namespace tandem
