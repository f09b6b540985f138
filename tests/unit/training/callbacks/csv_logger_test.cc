// CSVLogger: the header (epoch, then the sorted keys), one row per epoch, and append mode.
#include "tandem/training/callbacks/csv_logger.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tandem/core/error.h"
#include "tandem/training/callbacks/lambda_callback.h"
#include "tandem/training/callbacks/learning_rate_scheduler.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"
#include "training/callbacks/fit_fixtures.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::read_bytes;
using testing::TempDir;

std::vector<std::vector<std::string>> read_csv(const std::string& path, char separator = ',') {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_bytes(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream cells_in(line);
    std::string cell;
    while (std::getline(cells_in, cell, separator)) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

History fit_logged(std::shared_ptr<CSVLogger> logger, int epochs) {
  clear_session();
  auto [x, y] = testing::linear_data(20);
  auto model = testing::linear_model(0.05, {"mae"});
  // "lr" comes last in the logs but sorts between "loss" and "mae" in the file.
  auto scheduler = std::make_shared<LearningRateScheduler>([](int, double) { return 0.05; });
  return model->fit(x, y,
                    {.batch_size = 8,
                     .epochs = epochs,
                     .verbose = 0,
                     .callbacks = {scheduler, logger},
                     .validation_split = 0.2});
}

TEST(CSVLogger, WritesEpochThenSortedKeysAndTheHistoryValues) {
  TempDir dir;
  History h = fit_logged(std::make_shared<CSVLogger>(dir.file("log.csv")), 3);
  auto rows = read_csv(dir.file("log.csv"));
  ASSERT_EQ(rows.size(), 4u);
  std::vector<std::string> header = {"epoch", "loss", "lr", "mae", "val_loss", "val_mae"};
  EXPECT_EQ(rows[0], header);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto& row = rows[epoch + 1];
    ASSERT_EQ(row.size(), header.size());
    EXPECT_EQ(row[0], std::to_string(epoch));
    // The shortest text that reads back as the same double.
    for (size_t c = 1; c < header.size(); ++c) {
      EXPECT_EQ(std::stod(row[c]), h[header[c]][epoch]) << header[c] << " at epoch " << epoch;
    }
    EXPECT_EQ(row[2], "0.05");
  }
}

TEST(CSVLogger, AppendContinuesWithoutASecondHeader) {
  TempDir dir;
  std::string path = dir.file("log.csv");
  fit_logged(std::make_shared<CSVLogger>(path), 2);
  fit_logged(std::make_shared<CSVLogger>(path, ",", true), 3);
  auto rows = read_csv(path);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0][0], "epoch");
  std::vector<std::string> epochs;
  for (size_t i = 1; i < rows.size(); ++i) epochs.push_back(rows[i][0]);
  EXPECT_EQ(epochs, (std::vector<std::string>{"0", "1", "0", "1", "2"}));
  // Without append the file starts over.
  fit_logged(std::make_shared<CSVLogger>(path), 1);
  EXPECT_EQ(read_csv(path).size(), 2u);
  // Appending to a file that does not exist yet writes the header.
  std::string fresh = dir.file("fresh.csv");
  fit_logged(std::make_shared<CSVLogger>(fresh, ",", true), 1);
  auto fresh_rows = read_csv(fresh);
  ASSERT_EQ(fresh_rows.size(), 2u);
  EXPECT_EQ(fresh_rows[0][0], "epoch");
}

TEST(CSVLogger, SeparatorAndMissingValues) {
  TempDir dir;
  auto logger = std::make_shared<CSVLogger>(dir.file("log.tsv"), "\t");
  auto model = testing::linear_model();
  logger->set_model(model.get());
  Logs none;
  logger->on_train_begin(none);
  Logs first{{"val_loss", 0.25}, {"loss", 0.5}};
  logger->on_epoch_end(0, first);
  Logs second{{"loss", 1.0}};  // validation did not run: NA, as Keras writes
  logger->on_epoch_end(1, second);
  Logs third{{"loss", 1e-05}, {"val_loss", 0.0001}};  // Python's str() of each float
  logger->on_epoch_end(2, third);
  logger->on_train_end(none);
  EXPECT_EQ(read_bytes(dir.file("log.tsv")),
            "epoch\tloss\tval_loss\n0\t0.5\t0.25\n1\t1.0\tNA\n2\t1e-05\t0.0001\n");
}

TEST(CSVLogger, ReusableAfterAFitThatThrew) {
  TempDir dir;
  auto logger = std::make_shared<CSVLogger>(dir.file("log.csv"));
  clear_session();
  auto [x, y] = testing::linear_data(8);
  auto model = testing::linear_model();
  auto failing = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_end = [](int epoch, Logs&) { TANDEM_CHECK(epoch < 1, ValueError, "stop here"); }});
  expect_error<ValueError>(
      [&] {
        model->fit(x, y, {.epochs = 3, .verbose = 0, .callbacks = {logger, failing}});
      },
      "stop here");
  // on_train_end never ran; the next fit reopens the file and starts it over.
  History h = model->fit(x, y, {.epochs = 2, .verbose = 0, .callbacks = {logger}});
  auto rows = read_csv(dir.file("log.csv"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"epoch", "loss"}));
  EXPECT_EQ(std::stod(rows[2][1]), h["loss"][1]);
}

TEST(CSVLogger, UnwritablePathIsAnIOError) {
  TempDir dir;
  CSVLogger logger(dir.file("missing/dir/log.csv"));
  Logs none;
  expect_error<IOError>([&] { logger.on_train_begin(none); }, "missing/dir/log.csv");
}

}  // namespace
}  // namespace tandem
