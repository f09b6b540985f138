// History: the per-epoch record fit returns.
#include "tandem/training/callbacks/history.h"

#include <gtest/gtest.h>

#include "tandem/training/callbacks/lambda_callback.h"
#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;

TEST(History, RecordsKeysInFirstSeenOrderAndValuesPerEpoch) {
  History history;
  Logs begin;
  history.on_train_begin(begin);
  Logs first{{"loss", 1.0}, {"accuracy", 0.5}};
  Logs second{{"loss", 0.5}, {"accuracy", 0.75}, {"val_loss", 0.625}};
  history.on_epoch_end(3, first);
  history.on_epoch_end(4, second);
  EXPECT_EQ(history.epoch(), (std::vector<int>{3, 4}));
  EXPECT_EQ(history.keys(), (std::vector<std::string>{"loss", "accuracy", "val_loss"}));
  EXPECT_EQ(history["loss"], (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(history["accuracy"], (std::vector<double>{0.5, 0.75}));
  // A key that appears late (validation every other epoch) has fewer values, as in Keras.
  EXPECT_EQ(history["val_loss"], (std::vector<double>{0.625}));
  EXPECT_TRUE(history.contains("val_loss"));
  EXPECT_FALSE(history.contains("val_accuracy"));

  history.on_train_begin(begin);  // a new fit starts afresh
  EXPECT_TRUE(history.epoch().empty());
  EXPECT_TRUE(history.keys().empty());
}

TEST(History, UnknownKeyErrorListsTheKeys) {
  History history;
  Logs logs{{"loss", 1.0}, {"mae", 2.0}};
  history.on_epoch_end(0, logs);
  expect_error<ValueError>([&] { history["val_loss"]; }, "'val_loss'");
  expect_error<ValueError>([&] { history["val_loss"]; }, "[loss, mae]");
}

TEST(History, FitReturnsEveryEpochsLogs) {
  clear_session();
  auto [x, y] = testing::linear_data(32);
  auto model = testing::linear_model(0.05, {"mae"});
  Logs last;
  auto spy = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [&](int, Logs& logs) { last = logs; }});
  History h = model->fit(x, y,
                         {.batch_size = 8,
                          .epochs = 3,
                          .verbose = 0,
                          .callbacks = {spy},
                          .validation_data = ValidationData(x, y)});
  EXPECT_EQ(h.epoch(), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "mae", "val_loss", "val_mae"}));
  for (const auto& key : h.keys()) {
    ASSERT_EQ(h[key].size(), 3u) << key;
    EXPECT_EQ(h[key].back(), last.at(key)) << key;
  }
  // SGD on a convex problem: the training loss falls every epoch.
  EXPECT_LT(h["loss"][1], h["loss"][0]);
  EXPECT_LT(h["loss"][2], h["loss"][1]);
  // Validation on the training data after the epoch's updates equals evaluate().
  Logs evaluated = model->evaluate(x, y, {.batch_size = 8, .verbose = 0});
  EXPECT_NEAR(h["val_loss"].back(), evaluated.at("loss"), 1e-6);
  EXPECT_NEAR(h["val_mae"].back(), evaluated.at("mae"), 1e-6);
  // The model keeps the last History.
  EXPECT_EQ(model->history().epoch(), h.epoch());
}

}  // namespace
}  // namespace tandem
