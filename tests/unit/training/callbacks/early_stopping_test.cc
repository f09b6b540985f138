// EarlyStopping: fit driven with a scripted val_loss / val_accuracy sequence (a callback placed
// before EarlyStopping overwrites the value it sees), on a real model so weights can be restored.
#include "tandem/training/callbacks/early_stopping.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::ScriptedLogs;
using testing::WeightSnapshots;

struct FitRun {
  History history;
  std::shared_ptr<EarlyStopping> stopper;
  std::shared_ptr<WeightSnapshots> snapshots;
  std::shared_ptr<Sequential> model;
};

FitRun fit_with(const std::string& key, std::vector<double> values, EarlyStoppingOptions options,
                int epochs = 20) {
  clear_session();
  auto [x, y] = testing::linear_data(16);
  FitRun run;
  run.model = testing::linear_model(0.05);
  run.stopper = std::make_shared<EarlyStopping>(std::move(options));
  run.snapshots = std::make_shared<WeightSnapshots>();
  auto script = std::make_shared<ScriptedLogs>(key, std::move(values));
  run.history = run.model->fit(x, y,
                               {.batch_size = 8,
                                .epochs = epochs,
                                .verbose = 0,
                                .callbacks = {script, run.snapshots, run.stopper}});
  return run;
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutImprovement) {
  FitRun run = fit_with("val_loss", {1.0, 0.8, 0.9, 0.85, 0.7, 0.6}, {.patience = 2});
  // Best at epoch 1; epochs 2 and 3 do not improve: stop at the end of epoch 3.
  EXPECT_EQ(run.history.epoch(), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(run.stopper->stopped_epoch(), 3);
  EXPECT_EQ(run.stopper->best_epoch(), 1);
  EXPECT_EQ(run.stopper->best(), 0.8);
  // Without restore_best_weights the model keeps the last epoch's weights.
  EXPECT_EQ(testing::flat_weights(*run.model), run.snapshots->by_epoch.at(3));
  EXPECT_TRUE(run.model->stop_training());
}

TEST(EarlyStopping, RestoresTheBestEpochsWeights) {
  FitRun run = fit_with("val_loss", {1.0, 0.8, 0.9, 0.85, 0.7},
                        {.patience = 2, .restore_best_weights = true});
  ASSERT_EQ(run.history.epoch().size(), 4u);
  auto restored = testing::flat_weights(*run.model);
  EXPECT_EQ(restored, run.snapshots->by_epoch.at(1));
  EXPECT_NE(restored, run.snapshots->by_epoch.at(3));  // training did move the weights
}

TEST(EarlyStopping, RestoresTheFirstEpochWhenNothingImproves) {
  FitRun run =
      fit_with("val_loss", {0.5, 0.6, 0.7, 0.8}, {.patience = 2, .restore_best_weights = true});
  EXPECT_EQ(run.stopper->stopped_epoch(), 2);
  EXPECT_EQ(testing::flat_weights(*run.model), run.snapshots->by_epoch.at(0));
}

TEST(EarlyStopping, PatienceZeroStopsAtTheFirstEpochWithoutImprovement) {
  FitRun run = fit_with("val_loss", {1.0, 0.9, 0.8, 0.85, 0.1}, {});
  EXPECT_EQ(run.stopper->stopped_epoch(), 3);
  EXPECT_EQ(run.history.epoch().size(), 4u);
}

TEST(EarlyStopping, MinDeltaIgnoresSmallImprovements) {
  // Improvements of 0.05 and 0.03 are below min_delta = 0.1.
  FitRun strict = fit_with("val_loss", {1.0, 0.95, 0.92, 0.5}, {.min_delta = 0.1, .patience = 2});
  EXPECT_EQ(strict.stopper->stopped_epoch(), 2);
  EXPECT_EQ(strict.stopper->best(), 1.0);
  FitRun loose = fit_with("val_loss", {1.0, 0.95, 0.92, 0.5}, {.patience = 2}, 4);
  EXPECT_EQ(loose.stopper->stopped_epoch(), 0);  // never stopped
  EXPECT_EQ(loose.history.epoch().size(), 4u);
  EXPECT_EQ(loose.stopper->best(), 0.5);
}

TEST(EarlyStopping, AccuracyIsMaximised) {
  // mode "auto" maximises names containing "acc".
  FitRun run = fit_with("val_accuracy", {0.5, 0.6, 0.55, 0.58, 0.9},
                        {.monitor = "val_accuracy", .patience = 2});
  EXPECT_EQ(run.stopper->stopped_epoch(), 3);
  EXPECT_EQ(run.stopper->best(), 0.6);
  // mode "max" for any name; "min" turns the same sequence into no improvement after epoch 0.
  FitRun max = fit_with("score", {0.5, 0.6, 0.55, 0.58, 0.9},
                        {.monitor = "score", .patience = 2, .mode = "max"});
  EXPECT_EQ(max.stopper->stopped_epoch(), 3);
  FitRun min = fit_with("val_accuracy", {0.5, 0.6, 0.55, 0.58, 0.9},
                        {.monitor = "val_accuracy", .patience = 2, .mode = "min"});
  EXPECT_EQ(min.stopper->stopped_epoch(), 2);
  EXPECT_EQ(min.stopper->best(), 0.5);
}

TEST(EarlyStopping, BaselineMustBeBeaten) {
  // Improving, but never below the baseline 0.5: stops once patience epochs have passed.
  FitRun above = fit_with("val_loss", {0.9, 0.8, 0.7, 0.6}, {.patience = 2, .baseline = 0.5});
  EXPECT_EQ(above.stopper->stopped_epoch(), 1);
  EXPECT_EQ(above.stopper->best(), 0.8);
  // Beating the baseline resets the patience.
  FitRun below =
      fit_with("val_loss", {0.9, 0.4, 0.45, 0.46, 0.3}, {.patience = 2, .baseline = 0.5});
  EXPECT_EQ(below.stopper->stopped_epoch(), 3);
  EXPECT_EQ(below.stopper->best(), 0.4);
}

TEST(EarlyStopping, StartFromEpochSkipsWarmUp) {
  // Epochs 0 and 1 (better than all later ones) are not monitored.
  FitRun run =
      fit_with("val_loss", {0.1, 0.2, 1.0, 1.1, 1.2}, {.patience = 1, .start_from_epoch = 2});
  EXPECT_EQ(run.stopper->stopped_epoch(), 3);
  EXPECT_EQ(run.stopper->best(), 1.0);
  EXPECT_EQ(run.stopper->best_epoch(), 2);
  FitRun from_start = fit_with("val_loss", {0.1, 0.2, 1.0, 1.1, 1.2}, {.patience = 1});
  EXPECT_EQ(from_start.stopper->stopped_epoch(), 1);
}

TEST(EarlyStopping, MissingMonitorNeverStops) {
  FitRun run = fit_with("other", {1.0, 2.0, 3.0}, {.patience = 0}, 3);
  EXPECT_EQ(run.history.epoch().size(), 3u);
  EXPECT_EQ(run.stopper->stopped_epoch(), 0);
}

TEST(EarlyStopping, ReusableAcrossFits) {
  FitRun run = fit_with("val_loss", {1.0, 2.0, 3.0}, {.patience = 1});
  EXPECT_EQ(run.stopper->stopped_epoch(), 1);
  auto [x, y] = testing::linear_data(16);
  auto script = std::make_shared<ScriptedLogs>("val_loss", std::vector<double>{5.0, 4.0, 3.0});
  History again = run.model->fit(
      x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {script, run.stopper}});
  EXPECT_EQ(again.epoch().size(), 3u);  // the old best (1.0) was forgotten
  EXPECT_EQ(run.stopper->best(), 3.0);
}

TEST(EarlyStopping, VerboseMessagesAreKeras) {
  ::testing::internal::CaptureStdout();
  FitRun run = fit_with("val_loss", {1.0, 0.8, 0.9, 0.85, 0.7},
                        {.patience = 2, .verbose = 1, .restore_best_weights = true});
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "Restoring model weights from the end of the best epoch: 2.\n"
            "Epoch 4: early stopping\n");
}

TEST(EarlyStopping, RejectsAnUnknownMode) {
  expect_error<ValueError>([] { EarlyStopping({.mode = "bigger"}); }, "'bigger'");
}

}  // namespace
}  // namespace tandem
