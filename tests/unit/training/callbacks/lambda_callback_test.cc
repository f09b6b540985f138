// LambdaCallback: each function fires from its hook with the right epoch, batch and logs.
#include "tandem/training/callbacks/lambda_callback.h"

#include <gtest/gtest.h>

#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

TEST(LambdaCallback, HooksFireWithTheirEpochsAndBatches) {
  clear_session();
  auto [x, y] = testing::linear_data(20);
  auto model = testing::linear_model();
  std::vector<std::string> calls;
  std::vector<double> batch_losses, epoch_losses;
  auto callback = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_begin = [&](int e, Logs&) { calls.push_back("epoch_begin " + std::to_string(e)); },
      .on_epoch_end =
          [&](int e, Logs& logs) {
            calls.push_back("epoch_end " + std::to_string(e));
            epoch_losses.push_back(logs.at("loss"));
          },
      .on_batch_begin = [&](int64_t b,
                            Logs&) { calls.push_back("batch_begin " + std::to_string(b)); },
      .on_batch_end =
          [&](int64_t b, Logs& logs) {
            calls.push_back("batch_end " + std::to_string(b));
            batch_losses.push_back(logs.at("loss"));
          },
      .on_train_begin = [&](Logs&) { calls.push_back("train_begin"); },
      .on_train_end = [&](Logs&) { calls.push_back("train_end"); }});
  // 20 samples in batches of 8: 3 batches (8, 8, 4) per epoch, epochs 1 and 2.
  History h = model->fit(
      x, y,
      {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {callback}, .initial_epoch = 1});
  std::vector<std::string> expected = {"train_begin"};
  for (int e : {1, 2}) {
    expected.push_back("epoch_begin " + std::to_string(e));
    for (int b = 0; b < 3; ++b) {
      expected.push_back("batch_begin " + std::to_string(b));
      expected.push_back("batch_end " + std::to_string(b));
    }
    expected.push_back("epoch_end " + std::to_string(e));
  }
  expected.push_back("train_end");
  EXPECT_EQ(calls, expected);
  // The epoch's loss is the last batch's running mean.
  ASSERT_EQ(batch_losses.size(), 6u);
  EXPECT_EQ(epoch_losses, (std::vector<double>{batch_losses[2], batch_losses[5]}));
  EXPECT_EQ(h["loss"], epoch_losses);
}

TEST(LambdaCallback, UnsetHooksDoNothingAndLogsCanBeChanged) {
  auto model = testing::linear_model();
  LambdaCallback callback(
      {.on_epoch_end = [](int epoch, Logs& logs) { logs.set("epoch_squared", epoch * epoch); }});
  callback.set_model(model.get());
  Logs logs{{"loss", 1.0}};
  callback.on_train_begin(logs);
  callback.on_train_batch_end(0, logs);
  callback.on_epoch_end(3, logs);
  EXPECT_EQ(logs.items(),
            (std::vector<std::pair<std::string, double>>{{"loss", 1.0}, {"epoch_squared", 9.0}}));
}

}  // namespace
}  // namespace tandem
