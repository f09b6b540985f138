// TensorBoard: train/ and validation/ event files with Keras's tags and steps (epoch_*, batch_*,
// evaluation_*_vs_iterations), the learning rate, weight histograms every histogram_freq epochs,
// the model summary as text, and nothing written on a non-chief replica.
#include "tandem/training/callbacks/tensorboard.h"

#include <gtest/gtest.h>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"
#include "testing/assertions.h"
#include "testing/event_files.h"
#include "testing/fake_replica.h"
#include "testing/temp_files.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::read_single_event_file;
using testing::scalars;
using testing::TempDir;
using testing::values_tagged;
using Points = std::vector<std::pair<int64_t, float>>;

// 20 samples, 4 held out for validation, batches of 8: 2 training batches per epoch.
History fit_logged(const std::string& log_dir, TensorBoardOptions options, int epochs = 3,
                   int64_t samples = 20) {
  clear_session();
  auto [x, y] = testing::linear_data(samples);
  auto model = testing::linear_model(0.05, {"mae"});
  return model->fit(x, y,
                    {.batch_size = 8,
                     .epochs = epochs,
                     .verbose = 0,
                     .callbacks = {std::make_shared<TensorBoard>(log_dir, options)},
                     .validation_split = 0.2});
}

std::vector<int64_t> steps_of(const Points& points) {
  std::vector<int64_t> steps;
  for (const auto& [step, value] : points) steps.push_back(step);
  return steps;
}

TEST(TensorBoard, WritesEpochScalarsToTrainAndValidation) {
  TempDir dir;
  History history = fit_logged(dir.file("logs"), {});
  auto train = scalars(read_single_event_file(dir.path() / "logs" / "train"));
  auto validation = scalars(read_single_event_file(dir.path() / "logs" / "validation"));
  for (const std::string key : {"loss", "mae"}) {
    std::vector<double> expected = history[key];
    const Points& written = train["epoch_" + key];
    ASSERT_EQ(written.size(), 3u) << key;
    for (size_t epoch = 0; epoch < 3; ++epoch) {
      EXPECT_EQ(written[epoch].first, static_cast<int64_t>(epoch));
      EXPECT_FLOAT_EQ(written[epoch].second, static_cast<float>(expected[epoch])) << key;
    }
    // Validation values go to validation/ without their "val_" prefix.
    std::vector<double> val = history["val_" + key];
    const Points& val_written = validation["epoch_" + key];
    ASSERT_EQ(val_written.size(), 3u) << key;
    for (size_t epoch = 0; epoch < 3; ++epoch) {
      EXPECT_EQ(val_written[epoch].first, static_cast<int64_t>(epoch));
      EXPECT_FLOAT_EQ(val_written[epoch].second, static_cast<float>(val[epoch])) << key;
    }
  }
  EXPECT_EQ(train.count("epoch_val_loss"), 0u);
  EXPECT_EQ(train["epoch_learning_rate"], (Points{{0, 0.05f}, {1, 0.05f}, {2, 0.05f}}));
  // Each validation run also logs against the optimizer's iterations (2 batches per epoch).
  EXPECT_EQ(steps_of(validation["evaluation_loss_vs_iterations"]), (std::vector<int64_t>{2, 4, 6}));
  EXPECT_FLOAT_EQ(validation["evaluation_loss_vs_iterations"][2].second,
                  static_cast<float>(history["val_loss"][2]));
  // update_freq "epoch": no batch scalars.
  EXPECT_EQ(train.count("batch_loss"), 0u);
}

TEST(TensorBoard, BatchScalarsEveryUpdateFreqBatches) {
  TempDir dir;
  fit_logged(dir.file("every"), {.update_freq = "batch"});
  auto every = scalars(read_single_event_file(dir.path() / "every" / "train"));
  // Steps count training batches over the whole fit, from 1.
  EXPECT_EQ(steps_of(every["batch_loss"]), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(steps_of(every["batch_mae"]), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(every["batch_learning_rate"].at(0), (std::pair<int64_t, float>{1, 0.05f}));
  TempDir dir3;
  fit_logged(dir3.file("third"), {.update_freq = 3});
  auto third = scalars(read_single_event_file(dir3.path() / "third" / "train"));
  EXPECT_EQ(steps_of(third["batch_loss"]), (std::vector<int64_t>{3, 6}));
}

TEST(TensorBoard, WeightHistogramsEveryHistogramFreqEpochs) {
  TempDir dir;
  fit_logged(dir.file("logs"), {.histogram_freq = 2});
  std::vector<proto::Event> events = read_single_event_file(dir.path() / "logs" / "train");
  auto kernel = values_tagged(events, "dense/kernel/histogram");
  auto bias = values_tagged(events, "dense/bias/histogram");
  ASSERT_EQ(kernel.size(), 2u);  // epochs 0 and 2
  EXPECT_EQ(kernel[0].first, 0);
  EXPECT_EQ(kernel[1].first, 2);
  ASSERT_TRUE(kernel[1].second.has_histo());
  EXPECT_EQ(kernel[1].second.histo().num(), 2);  // a [2, 1] kernel
  ASSERT_EQ(bias.size(), 2u);
  EXPECT_EQ(bias[0].second.histo().num(), 1);
}

TEST(TensorBoard, WritesTheModelSummaryAsText) {
  TempDir dir;
  fit_logged(dir.file("logs"), {}, 1);
  auto summary =
      values_tagged(read_single_event_file(dir.path() / "logs" / "train"), "model_summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].first, 0);
  EXPECT_EQ(summary[0].second.metadata().plugin_data().plugin_name(), "text");
  const std::string& markdown = summary[0].second.tensor().string_val(0);
  EXPECT_NE(markdown.find("    Total params: 3"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("dense (Dense)"), std::string::npos) << markdown;
  TempDir without;
  fit_logged(without.file("logs"), {.write_graph = false}, 1);
  EXPECT_TRUE(
      values_tagged(read_single_event_file(without.path() / "logs" / "train"), "model_summary")
          .empty());
}

TEST(TensorBoard, EachFitWritesNewEventFiles) {
  TempDir dir;
  clear_session();
  auto [x, y] = testing::linear_data(16);
  auto model = testing::linear_model();
  auto callback = std::make_shared<TensorBoard>(dir.file("logs"));
  for (int run = 0; run < 2; ++run) {
    model->fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0, .callbacks = {callback}});
  }
  EXPECT_EQ(testing::event_files(dir.path() / "logs" / "train").size(), 2u);
  // No validation data: no validation/ folder.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "logs" / "validation"));
}

TEST(TensorBoard, OnlyTheChiefReplicaWrites) {
  TempDir dir;
  {
    auto replica = distributed::scope(std::make_shared<testing::FakeReplica>(1, 2));
    // Enough samples for a validation batch on each of the 2 replicas.
    fit_logged(dir.file("rank1"), {.histogram_freq = 1, .update_freq = "batch"}, 1, 80);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("rank1")));
  {
    auto replica = distributed::scope(std::make_shared<testing::FakeReplica>(0, 2));
    fit_logged(dir.file("rank0"), {}, 1, 80);
  }
  EXPECT_EQ(scalars(read_single_event_file(dir.path() / "rank0" / "train"))["epoch_loss"].size(),
            1u);
}

TEST(TensorBoard, RejectsBadOptions) {
  expect_error<ValueError>([] { TensorBoard("logs", {.update_freq = "sometimes"}); },
                           "update_freq must be \"epoch\", \"batch\" or a number of batches, "
                           "received \"sometimes\"");
  expect_error<ValueError>([] { TensorBoard("logs", {.update_freq = -2}); },
                           "number of batches >= 1, received -2");
  expect_error<ValueError>([] { TensorBoard("logs", {.histogram_freq = -1}); },
                           "histogram_freq must be 0 (no histograms) or a number of epochs, "
                           "received -1");
  // Under data parallelism fit sums batch logs only when some callback reads them.
  EXPECT_FALSE(TensorBoard("logs").reads_train_batch_logs());
  EXPECT_TRUE(TensorBoard("logs", {.update_freq = 10}).reads_train_batch_logs());
  EXPECT_EQ(UpdateFreq("epoch").batches(), 0);
  EXPECT_EQ(UpdateFreq("batch").batches(), 1);
  EXPECT_EQ(UpdateFreq(int64_t{100}).batches(), 100);
}

}  // namespace
}  // namespace tandem
