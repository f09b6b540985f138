// ReduceLROnPlateau: the learning rate after each epoch for scripted val_loss sequences.
#include "tandem/training/callbacks/reduce_lr_on_plateau.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::ScriptedLogs;

struct FitResult {
  History history;
  double final_lr;
};

FitResult fit_with(const std::string& key, std::vector<double> values,
                   ReduceLROnPlateauOptions options, int epochs) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model(0.1);
  auto script = std::make_shared<ScriptedLogs>(key, std::move(values));
  auto reducer = std::make_shared<ReduceLROnPlateau>(std::move(options));
  History h = model->fit(
      x, y, {.batch_size = 8, .epochs = epochs, .verbose = 0, .callbacks = {script, reducer}});
  return {h, model->optimizer()->learning_rate()};
}

void expect_lrs(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-12) << i;
}

TEST(ReduceLROnPlateau, ReducesByFactorAfterPatience) {
  FitResult r = fit_with("val_loss", {1.0, 1.0, 1.0, 1.0, 1.0, 0.5},
                         {.factor = 0.5, .patience = 2, .min_delta = 0.0}, 6);
  // "lr" is logged before the epoch's reduction, as in Keras: reductions at epochs 2 and 4.
  expect_lrs(r.history["lr"], {0.1, 0.1, 0.1, 0.05, 0.05, 0.025});
  EXPECT_NEAR(r.final_lr, 0.025, 1e-12);
  EXPECT_EQ(r.history.keys(), (std::vector<std::string>{"loss", "val_loss", "lr"}));
}

TEST(ReduceLROnPlateau, ImprovementResetsTheWait) {
  FitResult r = fit_with("val_loss", {1.0, 1.0, 0.9, 0.9, 0.8, 0.8},
                         {.factor = 0.5, .patience = 2, .min_delta = 0.0}, 6);
  expect_lrs(r.history["lr"], {0.1, 0.1, 0.1, 0.1, 0.1, 0.1});
  EXPECT_NEAR(r.final_lr, 0.1, 1e-12);
}

TEST(ReduceLROnPlateau, CooldownPausesCounting) {
  FitResult r = fit_with("val_loss", {1.0},
                         {.factor = 0.5, .patience = 2, .min_delta = 0.0, .cooldown = 2}, 7);
  // Reduced at epoch 2; epoch 3 cools down, epoch 4 ends the cooldown and counts 1, epoch 5
  // reaches the patience again; epoch 6 cools down. Without a cooldown: epochs 2, 4 and 6.
  expect_lrs(r.history["lr"], {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025});
  EXPECT_NEAR(r.final_lr, 0.025, 1e-12);
  FitResult no_cooldown =
      fit_with("val_loss", {1.0}, {.factor = 0.5, .patience = 2, .min_delta = 0.0}, 7);
  EXPECT_NEAR(no_cooldown.final_lr, 0.0125, 1e-12);
}

TEST(ReduceLROnPlateau, NeverGoesBelowMinLr) {
  FitResult r = fit_with("val_loss", {1.0}, {.factor = 0.1, .patience = 1, .min_lr = 0.005}, 5);
  expect_lrs(r.history["lr"], {0.1, 0.1, 0.01, 0.005, 0.005});
  EXPECT_NEAR(r.final_lr, 0.005, 1e-12);
}

TEST(ReduceLROnPlateau, MinDeltaAndMaxMode) {
  // Improvements of 5e-5 are below the default min_delta 1e-4.
  FitResult tiny =
      fit_with("val_loss", {1.0, 0.99995, 0.99993, 0.99991}, {.factor = 0.5, .patience = 3}, 4);
  EXPECT_NEAR(tiny.final_lr, 0.05, 1e-12);
  // "acc" in the name: maximised.
  FitResult acc = fit_with("val_accuracy", {0.5, 0.6, 0.7, 0.7, 0.7},
                           {.monitor = "val_accuracy", .factor = 0.5, .patience = 2}, 5);
  expect_lrs(acc.history["lr"], {0.1, 0.1, 0.1, 0.1, 0.1});
  EXPECT_NEAR(acc.final_lr, 0.05, 1e-12);
}

TEST(ReduceLROnPlateau, RecordsLrEvenWithoutTheMonitor) {
  FitResult r = fit_with("other", {1.0}, {.patience = 0}, 2);
  expect_lrs(r.history["lr"], {0.1, 0.1});
  EXPECT_NEAR(r.final_lr, 0.1, 1e-12);
}

TEST(ReduceLROnPlateau, VerboseMessageIsKeras) {
  ::testing::internal::CaptureStdout();
  fit_with("val_loss", {1.0}, {.factor = 0.5, .patience = 1, .verbose = 1}, 2);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05.\n");
}

TEST(ReduceLROnPlateau, RejectsAFactorOfOneOrMore) {
  expect_error<ValueError>([] { ReduceLROnPlateau({.factor = 1.0}); }, "factor >= 1.0");
}

}  // namespace
}  // namespace tandem
