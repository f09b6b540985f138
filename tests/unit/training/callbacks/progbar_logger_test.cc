// ProgbarLogger: the "Epoch i/n" header and the progress bar from the callback hooks.
#include "tandem/training/callbacks/progbar_logger.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace tandem {
namespace {

const std::string kTime = R"(\d+s \d+(us|ms|s)/step)";
const std::string kFullBar = R"(\[={30}\])";

void expect_matches(const std::string& text, const std::string& pattern) {
  EXPECT_TRUE(std::regex_match(text, std::regex(pattern)))
      << "text:    '" << text << "'\npattern: '" << pattern << "'";
}

// One fit epoch of `steps` batches through the hooks, validation included.
void run_epoch(ProgbarLogger& logger, int epoch, int steps, double loss) {
  Logs none;
  logger.on_epoch_begin(epoch, none);
  for (int b = 0; b < steps; ++b) {
    Logs batch{{"loss", loss}};
    logger.on_train_batch_end(b, batch);
  }
  // Validation inside fit draws nothing of its own.
  Logs val{{"loss", 9.0}};
  logger.on_test_begin(none);
  logger.on_test_batch_end(0, val);
  logger.on_test_end(val);
  Logs epoch_logs{{"loss", loss}, {"val_loss", 0.75}};
  logger.on_epoch_end(epoch, epoch_logs);
}

TEST(ProgbarLogger, FitPrintsEpochHeadersAndOneLinePerEpoch) {
  std::ostringstream out;
  ProgbarLogger logger(out, false);
  logger.set_params({.epochs = 2, .steps = 2, .verbose = 1});
  Logs none;
  logger.on_train_begin(none);
  run_epoch(logger, 0, 2, 0.5);
  run_epoch(logger, 1, 2, 0.25);
  logger.on_train_end(none);
  // The logs are running means already: shown as given, not averaged again.
  expect_matches(out.str(), "Epoch 1/2\n2/2 " + kFullBar + " - " + kTime +
                                R"( - loss: 0\.5000 - val_loss: 0\.7500\n)" + "Epoch 2/2\n2/2 " +
                                kFullBar + " - " + kTime +
                                R"( - loss: 0\.2500 - val_loss: 0\.7500\n)");
}

TEST(ProgbarLogger, OneEpochHasNoHeader) {
  std::ostringstream out;
  ProgbarLogger logger(out, false);
  logger.set_params({.epochs = 1, .steps = 3, .verbose = 1});
  Logs none;
  logger.on_train_begin(none);
  run_epoch(logger, 0, 3, 0.125);
  expect_matches(out.str(),
                 "3/3 " + kFullBar + " - " + kTime + R"( - loss: 0\.1250 - val_loss: 0\.7500\n)");
}

TEST(ProgbarLogger, Verbose2PrintsTheEpochSummary) {
  std::ostringstream out;
  ProgbarLogger logger(out, true);  // even on a terminal: no bar with verbose 2
  logger.set_params({.epochs = 2, .steps = 2, .verbose = 2});
  Logs none;
  logger.on_train_begin(none);
  run_epoch(logger, 0, 2, 0.5);
  expect_matches(out.str(), R"(Epoch 1/2\n2/2 - \d+s - loss: 0\.5000 - val_loss: 0\.7500 - )"
                            R"(\d+(us|ms|s)/epoch - \d+(us|ms|s)/step\n)");
}

TEST(ProgbarLogger, Verbose0PrintsNothing) {
  std::ostringstream out;
  ProgbarLogger logger(out, true);
  logger.set_params({.epochs = 2, .steps = 2, .verbose = 0});
  Logs none;
  logger.on_train_begin(none);
  run_epoch(logger, 0, 2, 0.5);
  EXPECT_EQ(out.str(), "");
}

TEST(ProgbarLogger, EvaluateAndPredictDrawTheirOwnBars) {
  std::ostringstream out;
  ProgbarLogger logger(out, false);
  logger.set_params({.epochs = 1, .steps = 3, .verbose = 1});
  Logs none;
  logger.on_test_begin(none);
  for (int b = 0; b < 3; ++b) {
    Logs logs{{"loss", 1.5}, {"mae", 0.25}};
    logger.on_test_batch_end(b, logs);
  }
  Logs result{{"loss", 1.5}, {"mae", 0.25}};
  logger.on_test_end(result);
  expect_matches(out.str(),
                 "3/3 " + kFullBar + " - " + kTime + R"( - loss: 1\.5000 - mae: 0\.2500\n)");
  out.str("");
  logger.set_params({.epochs = 1, .steps = 2, .verbose = 1});
  logger.on_predict_begin(none);
  for (int b = 0; b < 2; ++b) logger.on_predict_batch_end(b, none);
  logger.on_predict_end(none);
  expect_matches(out.str(), "2/2 " + kFullBar + " - " + kTime + "\n");
}

TEST(ProgbarLogger, UnknownStepsAreLearntFromTheFirstEpoch) {
  std::ostringstream out;
  ProgbarLogger logger(out, true);
  logger.set_params({.epochs = 2, .steps = std::nullopt, .verbose = 1});
  Logs none;
  logger.on_train_begin(none);
  Logs none_begin;
  logger.on_epoch_begin(0, none_begin);
  Logs batch{{"loss", 0.5}};
  logger.on_train_batch_end(0, batch);
  // While running, the count has no target.
  expect_matches(out.str(), "Epoch 1/2\n\r      1/Unknown - " + kTime + R"( - loss: 0\.5000)");
  logger.on_train_batch_end(1, batch);
  logger.on_train_batch_end(2, batch);
  out.str("");
  logger.on_epoch_end(0, batch);
  // The finished line knows the length; padded to cover the longer "Unknown" line.
  expect_matches(out.str(), "\r3/3 " + kFullBar + " - " + kTime + R"( - loss: 0\.5000 *\n)");
  out.str("");
  logger.on_epoch_begin(1, none_begin);
  logger.on_train_batch_end(0, batch);
  // The second epoch knows its length from the first: a bar with an ETA.
  expect_matches(out.str(), R"(Epoch 2/2\n\r1/3 \[=========>\.{20}\] - ETA: \d+s - loss: 0\.5000)");
}

}  // namespace
}  // namespace tandem
