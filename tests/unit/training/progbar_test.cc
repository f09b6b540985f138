// Progbar: Keras's progress bar text, with the timing fields matched by regular expressions.
#include "tandem/training/progbar.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace tandem {
namespace {

// Timing fields: " - 0s 1ms/step", " - ETA: 0s", "0s/epoch".
const std::string kTime = R"(\d+s \d+(us|ms|s)/step)";

void expect_matches(const std::string& text, const std::string& pattern) {
  EXPECT_TRUE(std::regex_match(text, std::regex(pattern)))
      << "text:    '" << text << "'\npattern: '" << pattern << "'";
}

std::string bar(int filled, bool arrow, int width = 30) {
  std::string b = std::string(filled > 0 ? filled - 1 : 0, '=');
  if (filled > 0) b += arrow ? ">" : "=";
  return "[" + b + std::string(width - filled, '.') + "]";
}

TEST(Progbar, Verbose1OnAFileWritesOnlyTheFinishedLine) {
  std::ostringstream out;
  Progbar progbar(4, {.dynamic_display = false}, out);
  progbar.update(1, {{"loss", 0.1234}, {"accuracy", 0.5}});
  progbar.update(2, {{"loss", 0.1234}, {"accuracy", 0.5}});
  EXPECT_EQ(out.str(), "");  // no terminal: nothing until the end
  progbar.update(4, {{"loss", 0.1234}, {"accuracy", 0.5}});
  expect_matches(out.str(),
                 R"(4/4 \[={30}\] - )" + kTime + R"( - loss: 0\.1234 - accuracy: 0\.5000\n)");
}

TEST(Progbar, BarShapes) {
  std::ostringstream out;
  Progbar progbar(4, {.interval = 0.0, .all_stateful = true, .dynamic_display = true}, out);
  progbar.update(1);
  // int(30 * 1/4) = 7 cells: 6 '=' and the '>' head.
  EXPECT_EQ(out.str().substr(0, 37), "\r1/4 " + bar(7, true));
  out.str("");
  progbar.update(3);
  EXPECT_EQ(out.str().substr(0, 37), "\r3/4 " + bar(22, true));
  out.str("");
  progbar.update(4);
  EXPECT_EQ(out.str().substr(0, 37), "\r4/4 " + bar(30, false));
  // The step count is right-aligned to the target's digits.
  std::ostringstream wide;
  Progbar hundred(100, {.interval = 0.0, .dynamic_display = true}, wide);
  hundred.update(5);
  EXPECT_EQ(wide.str().substr(0, 41), "\r  5/100 " + bar(1, true));
}

TEST(Progbar, DynamicDisplayRedrawsWithEtaAndEndsWithANewline) {
  std::ostringstream out;
  Progbar progbar(4, {.interval = 0.0, .stateful_metrics = {"loss"}, .dynamic_display = true}, out);
  progbar.update(1, {{"loss", 12345.0}});
  std::string first = out.str();
  expect_matches(first, R"(\r1/4 \[======>\.{23}\] - ETA: \d+s - loss: 12345\.0000)");
  out.str("");
  // Four characters shorter than the previous line: padded with four spaces to erase it.
  progbar.update(2, {{"loss", 1.0}});
  std::string second = out.str();
  expect_matches(second, R"(\r2/4 \[={14}>\.{15}\] - ETA: \d+s - loss: 1\.0000    )");
  EXPECT_EQ(second.size(), first.size());
  out.str("");
  progbar.update(4, {{"loss", 0.5}});
  expect_matches(out.str(), R"(\r4/4 \[={30}\] - )" + kTime + R"( - loss: 0\.5000\n)");
}

TEST(Progbar, LongEtasUseHoursMinutesSeconds) {
  std::ostringstream out;
  // A trillion steps: even a microsecond per step leaves an ETA of days, shown as h:mm:ss.
  Progbar progbar(1'000'000'000'000, {.interval = 0.0, .dynamic_display = true}, out);
  progbar.update(1);
  expect_matches(out.str(), R"(\r {12}1/1000000000000 \[\.{30}\] - ETA: \d+:\d{2}:\d{2})");
}

TEST(Progbar, IntervalThrottlesRedraws) {
  std::ostringstream out;
  Progbar progbar(1000, {.interval = 3600.0, .dynamic_display = true}, out);
  progbar.update(1);  // the first draw is always due
  size_t after_first = out.str().size();
  EXPECT_GT(after_first, 0u);
  progbar.update(2);
  progbar.update(3);
  EXPECT_EQ(out.str().size(), after_first);
  progbar.update(1000);  // finalizing always draws
  EXPECT_EQ(out.str().back(), '\n');
}

TEST(Progbar, Verbose2PrintsOneLineWithEpochAndStepTimes) {
  std::ostringstream out;
  Progbar progbar(4, {.verbose = 2}, out);
  for (int step = 1; step <= 3; ++step) progbar.update(step, {{"loss", 0.1234}});
  EXPECT_EQ(out.str(), "");
  progbar.update(4, {{"loss", 0.1234}});
  expect_matches(out.str(),
                 R"(4/4 - \d+s - loss: 0\.1234 - \d+(us|ms|s)/epoch - \d+(us|ms|s)/step\n)");
}

TEST(Progbar, UnknownTarget) {
  std::ostringstream out;
  Progbar progbar(std::nullopt, {.interval = 0.0, .dynamic_display = true}, out);
  progbar.update(3, {{"loss", 0.25}});
  // Without a target: the count in 7 columns, elapsed time instead of an ETA, and no newline.
  expect_matches(out.str(), R"(\r      3/Unknown - )" + kTime + R"( - loss: 0\.2500)");
  out.str("");
  progbar.update(5, {{"loss", 0.25}}, true);
  expect_matches(out.str(), R"(\r      5/Unknown - )" + kTime + R"( - loss: 0\.2500\n)");

  std::ostringstream file;
  Progbar quiet(std::nullopt, {.dynamic_display = false}, file);
  quiet.update(3, {{"loss", 0.25}});
  EXPECT_EQ(file.str(), "");
  quiet.set_target(3);  // learnt at the end of the epoch: the finished line shows a full bar
  quiet.update(3, {{"loss", 0.25}}, true);
  expect_matches(file.str(), R"(3/3 \[={30}\] - )" + kTime + R"( - loss: 0\.2500\n)");
}

TEST(Progbar, AveragesNonStatefulValuesWeightedBySteps) {
  std::ostringstream out;
  Progbar progbar(4, {.stateful_metrics = {"acc"}, .dynamic_display = false}, out);
  progbar.update(1, {{"loss", 1.0}, {"acc", 0.25}});
  progbar.update(3, {{"loss", 3.0}, {"acc", 0.5}});  // two steps at 3.0
  progbar.update(4, {{"loss", 5.0}, {"acc", 0.75}});
  // loss: (1*1 + 3*2 + 5*1) / 4 = 3; acc is shown as given.
  expect_matches(out.str(), R"(4/4 \[={30}\] - )" + kTime + R"( - loss: 3\.0000 - acc: 0\.7500\n)");

  std::ostringstream given;
  Progbar all(2, {.all_stateful = true, .dynamic_display = false}, given);
  all.update(1, {{"loss", 1.0}});
  all.update(2, {{"loss", 3.0}});
  expect_matches(given.str(), R"(2/2 \[={30}\] - )" + kTime + R"( - loss: 3\.0000\n)");
}

TEST(Progbar, SmallValuesUseScientificNotation) {
  std::ostringstream out;
  Progbar progbar(1, {.all_stateful = true, .dynamic_display = false}, out);
  progbar.update(1, {{"loss", 1e-3}, {"lr", 2.5e-5}, {"mae", 0.0015}});
  expect_matches(out.str(), R"(1/1 \[={30}\] - )" + kTime +
                                R"( - loss: 1\.0000e-03 - lr: 2\.5000e-05 - mae: 0\.0015\n)");
}

TEST(Progbar, Verbose0PrintsNothing) {
  std::ostringstream out;
  Progbar progbar(2, {.verbose = 0, .dynamic_display = true}, out);
  progbar.update(1, {{"loss", 1.0}});
  progbar.update(2, {{"loss", 1.0}});
  EXPECT_EQ(out.str(), "");
}

TEST(Progbar, TimePerUnitFormat) {
  EXPECT_EQ(format_time_per_unit(2.4, "epoch"), "2s/epoch");
  EXPECT_EQ(format_time_per_unit(0.0, "step"), "0s/step");
  EXPECT_EQ(format_time_per_unit(0.0042, "step"), "4ms/step");
  EXPECT_EQ(format_time_per_unit(3.5e-4, "step"), "350us/step");
  EXPECT_EQ(format_time_per_unit(1.0, "sample"), "1s/sample");
}

}  // namespace
}  // namespace tandem
