// ModelCheckpoint: which files fit writes, under which names, and what they hold.
#include "tandem/training/callbacks/model_checkpoint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "testing/assertions.h"
#include "testing/temp_files.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::ScriptedLogs;
using testing::TempDir;
using testing::WeightSnapshots;

std::vector<std::string> files_in(const TempDir& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Weights stored in `path`, read back into a fresh model of the same architecture.
std::vector<std::vector<float>> weights_in(const std::string& path) {
  auto fresh = testing::linear_model();
  fresh->build(Shape{-1, 2});
  fresh->load_weights(path);
  return testing::flat_weights(*fresh);
}

struct FitRun {
  std::shared_ptr<Sequential> model;
  std::shared_ptr<WeightSnapshots> snapshots;
  History history;
};

FitRun fit_with(const std::vector<double>& val_loss, std::shared_ptr<ModelCheckpoint> checkpoint,
                int epochs, int64_t batch_size = 8) {
  clear_session();
  auto [x, y] = testing::linear_data(32);
  FitRun run{testing::linear_model(), std::make_shared<WeightSnapshots>(), {}};
  auto script = std::make_shared<ScriptedLogs>("val_loss", val_loss);
  run.history = run.model->fit(x, y,
                               {.batch_size = batch_size,
                                .epochs = epochs,
                                .verbose = 0,
                                .callbacks = {script, run.snapshots, checkpoint}});
  return run;
}

TEST(ModelCheckpoint, SaveBestOnlyWritesOnImprovementWithTemplatedNames) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("ckpt-{epoch:02d}-{val_loss:.2f}.tdm"),
      ModelCheckpointOptions{.save_best_only = true, .save_weights_only = true});
  FitRun run = fit_with({0.5, 0.4, 0.45, 0.3, 0.35}, checkpoint, 5);
  EXPECT_EQ(files_in(dir),
            (std::vector<std::string>{"ckpt-01-0.50.tdm", "ckpt-02-0.40.tdm", "ckpt-04-0.30.tdm"}));
  EXPECT_EQ(checkpoint->best(), 0.3);
  EXPECT_EQ(weights_in(dir.file("ckpt-02-0.40.tdm")), run.snapshots->by_epoch.at(1));
  EXPECT_EQ(weights_in(dir.file("ckpt-04-0.30.tdm")), run.snapshots->by_epoch.at(3));
}

TEST(ModelCheckpoint, AFixedPathHoldsTheBestEpoch) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("best.tdm"),
      ModelCheckpointOptions{.save_best_only = true, .save_weights_only = true});
  FitRun run = fit_with({0.5, 0.4, 0.45, 0.42}, checkpoint, 4);
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"best.tdm"}));
  // Epochs 3 and 4 did not improve on epoch 2: the file still holds epoch 2's weights.
  EXPECT_EQ(weights_in(dir.file("best.tdm")), run.snapshots->by_epoch.at(1));
  EXPECT_NE(testing::flat_weights(*run.model), run.snapshots->by_epoch.at(1));
}

TEST(ModelCheckpoint, EveryEpochWithoutSaveBestOnly) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("w{epoch}.tdm"), ModelCheckpointOptions{.save_weights_only = true});
  FitRun run = fit_with({0.5, 0.6, 0.7}, checkpoint, 3);
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"w1.tdm", "w2.tdm", "w3.tdm"}));
  EXPECT_EQ(weights_in(dir.file("w3.tdm")), run.snapshots->by_epoch.at(2));
}

TEST(ModelCheckpoint, SavedWeightsGiveIdenticalPredictions) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("last.tdm"), ModelCheckpointOptions{.save_weights_only = true});
  FitRun run = fit_with({0.5}, checkpoint, 2);
  auto fresh = testing::linear_model();
  fresh->build(Shape{-1, 2});
  Tensor x = random_normal(Shape{5, 2}, {.seed = 9});
  EXPECT_NE(fresh->predict(x, {.verbose = 0}).to_vector<float>(),
            run.model->predict(x, {.verbose = 0}).to_vector<float>());
  fresh->load_weights(dir.file("last.tdm"));
  EXPECT_EQ(fresh->predict(x, {.verbose = 0}).to_vector<float>(),
            run.model->predict(x, {.verbose = 0}).to_vector<float>());
}

TEST(ModelCheckpoint, WholeModelFilesLoadTheirWeights) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(dir.file("model-{epoch}.tdm"));
  FitRun run = fit_with({0.5}, checkpoint, 2);
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"model-1.tdm", "model-2.tdm"}));
  EXPECT_EQ(weights_in(dir.file("model-1.tdm")), run.snapshots->by_epoch.at(0));
}

TEST(ModelCheckpoint, CreatesTheFolderOfTheFilepath) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("ckpts/run1/{epoch:02d}.tdm"), ModelCheckpointOptions{.save_weights_only = true});
  FitRun run = fit_with({0.5}, checkpoint, 2);
  EXPECT_EQ(weights_in(dir.file("ckpts/run1/02.tdm")), run.snapshots->by_epoch.at(1));
  EXPECT_TRUE(std::filesystem::exists(dir.file("ckpts/run1/01.tdm")));
}

TEST(ModelCheckpoint, SaveFreqCountsBatchesAcrossEpochs) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("w-{epoch}-{batch}.tdm"),
      ModelCheckpointOptions{.save_weights_only = true, .save_freq = 3});
  // 4 batches per epoch, 2 epochs: saves after the 3rd and the 6th batch overall.
  fit_with({0.5}, checkpoint, 2);
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"w-1-3.tdm", "w-2-2.tdm"}));
}

TEST(ModelCheckpoint, InitialValueThresholdAndMaxMode) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      dir.file("{epoch}.tdm"),
      ModelCheckpointOptions{
          .save_best_only = true, .save_weights_only = true, .initial_value_threshold = 0.35});
  fit_with({0.5, 0.4, 0.3, 0.32}, checkpoint, 4);
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"3.tdm"}));

  TempDir acc_dir;
  auto by_accuracy = std::make_shared<ModelCheckpoint>(
      acc_dir.file("{epoch}-{val_accuracy:.3f}.tdm"),
      ModelCheckpointOptions{
          .monitor = "val_accuracy", .save_best_only = true, .save_weights_only = true});
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model();
  auto script =
      std::make_shared<ScriptedLogs>("val_accuracy", std::vector<double>{0.5, 0.75, 0.625, 0.875});
  model->fit(x, y,
             {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = {script, by_accuracy}});
  EXPECT_EQ(files_in(acc_dir),
            (std::vector<std::string>{"1-0.500.tdm", "2-0.750.tdm", "4-0.875.tdm"}));
}

TEST(ModelCheckpoint, VerboseMessagesAreKeras) {
  TempDir dir;
  std::string path = dir.file("best.tdm");
  auto checkpoint = std::make_shared<ModelCheckpoint>(
      path,
      ModelCheckpointOptions{.verbose = 1, .save_best_only = true, .save_weights_only = true});
  ::testing::internal::CaptureStdout();
  fit_with({0.5, 0.625}, checkpoint, 2);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "\nEpoch 1: val_loss improved from inf to 0.50000, saving model to " + path +
                "\n\nEpoch 2: val_loss did not improve from 0.50000\n");
}

TEST(ModelCheckpoint, UnknownTemplateKeyIsAnError) {
  TempDir dir;
  auto checkpoint = std::make_shared<ModelCheckpoint>(dir.file("ckpt-{val_los:.2f}.tdm"));
  expect_error<ValueError>([&] { fit_with({0.5}, checkpoint, 1); }, "'{val_los}'");
  expect_error<ValueError>([&] { fit_with({0.5}, checkpoint, 1); }, "[loss, val_loss]");
  EXPECT_TRUE(files_in(dir).empty());
  expect_error<ValueError>([] { ModelCheckpoint("x", {.save_freq = -1}); }, "save_freq");
}

TEST(FormatCheckpointPath, FollowsPythonFormatSpecs) {
  Logs logs{{"loss", 0.123456789}, {"val_loss", 2.5}, {"lr", 1e-5}};
  EXPECT_EQ(format_checkpoint_path("ckpt-{epoch:02d}-{val_loss:.2f}", 3, std::nullopt, logs),
            "ckpt-03-2.50");
  EXPECT_EQ(format_checkpoint_path("{epoch}/{batch:04d}", 12, 7, logs), "12/0007");
  EXPECT_EQ(format_checkpoint_path("{loss}", 1, std::nullopt, logs), "0.123456789");
  EXPECT_EQ(format_checkpoint_path("{val_loss}", 1, std::nullopt, logs), "2.5");
  EXPECT_EQ(format_checkpoint_path("{loss:g}", 1, std::nullopt, logs), "0.123457");
  EXPECT_EQ(format_checkpoint_path("{loss:.3e}", 1, std::nullopt, logs), "1.235e-01");
  EXPECT_EQ(format_checkpoint_path("{val_loss:08.3f}", 1, std::nullopt, logs), "0002.500");
  EXPECT_EQ(format_checkpoint_path("{lr}", 1, std::nullopt, logs), "1e-05");
  EXPECT_EQ(format_checkpoint_path("{one}", 1, std::nullopt, Logs{{"one", 1.0}}), "1.0");
  EXPECT_EQ(format_checkpoint_path("{epoch:.1f}", 4, std::nullopt, logs), "4.0");
  EXPECT_EQ(format_checkpoint_path("plain.tdm", 4, std::nullopt, logs), "plain.tdm");
  // {batch} exists only for batch-level saves.
  expect_error<ValueError>([&] { format_checkpoint_path("{batch}", 1, std::nullopt, logs); },
                           "'{batch}'");
  expect_error<ValueError>([&] { format_checkpoint_path("{loss:x}", 1, std::nullopt, logs); },
                           "unsupported format spec 'x'");
}

}  // namespace
}  // namespace tandem
