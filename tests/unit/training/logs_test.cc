// Logs: Keras's logs dict with insertion order, and the values as Keras's Progbar prints them.
#include "tandem/training/logs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tandem/core/variable.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;

TEST(Logs, KeepsFirstInsertionOrder) {
  Logs logs{{"loss", 0.5}, {"accuracy", 0.75}};
  logs.set("val_loss", 0.6);
  logs.set("loss", 0.25);  // an existing key keeps its place
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(logs.items()[0], (std::pair<std::string, double>{"loss", 0.25}));
  EXPECT_EQ(logs.items()[1], (std::pair<std::string, double>{"accuracy", 0.75}));
  EXPECT_EQ(logs.items()[2], (std::pair<std::string, double>{"val_loss", 0.6}));
  EXPECT_EQ(logs.values(), (std::vector<double>{0.25, 0.75, 0.6}));
}

TEST(Logs, TensorValuesAreReadWhenTheLogsAreRead) {
  Variable total(constant(3.0f), {.name = "total"});
  Logs logs{{"loss", 0.5}};
  logs.set("accuracy", total.value());
  logs.set("count", constant(int64_t{7}));
  EXPECT_EQ(logs.unread(), 2u);
  EXPECT_TRUE(logs.contains("accuracy"));  // no read needed
  EXPECT_EQ(logs.unread(), 2u);
  total.assign(constant(9.0f));  // the logs hold the value they were given
  EXPECT_EQ(logs.at("accuracy"), 3.0);
  EXPECT_EQ(logs.unread(), 0u);
  EXPECT_EQ(logs.values(), (std::vector<double>{0.5, 3.0, 7.0}));
  // A number replaces a pending tensor in place; a tensor replaces a number.
  Logs again;
  again.set("a", constant(1.0));
  again.set("b", 2.0);
  again.set("a", 4.0);
  again.set("b", constant(5.0f));
  EXPECT_EQ(again.items()[0], (std::pair<std::string, double>{"a", 4.0}));
  EXPECT_EQ(again.items()[1], (std::pair<std::string, double>{"b", 5.0}));
  again.set("c", constant(6.0));
  again.erase("a");
  EXPECT_EQ(again.to_string(), "b: 5.0000 - c: 6.0000");
  expect_error<ValueError>(
      [&] {
        again.set("d", constant({1.0f, 2.0f}));
      },
      "the value of 'd' must be a tensor of one element, received (2,)");
}

TEST(Logs, GetAtContainsErase) {
  Logs logs{{"loss", 1.5}, {"mae", 0.5}};
  EXPECT_TRUE(logs.contains("mae"));
  EXPECT_FALSE(logs.contains("val_mae"));
  EXPECT_EQ(logs.get("loss"), 1.5);
  EXPECT_EQ(logs.get("val_loss"), std::nullopt);
  EXPECT_EQ(logs.at("mae"), 0.5);
  logs.erase("loss");
  logs.erase("not_there");  // erasing a missing key does nothing
  EXPECT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs.items()[0].first, "mae");
  logs.erase("mae");
  EXPECT_TRUE(logs.empty());
}

TEST(Logs, AtNamesTheMissingKeyAndTheKeysPresent) {
  Logs logs{{"loss", 1.0}, {"accuracy", 0.5}};
  expect_error<ValueError>([&] { logs.at("val_loss"); }, "val_loss");
  expect_error<ValueError>([&] { logs.at("val_loss"); }, "[loss, accuracy]");
  expect_error<ValueError>([] { Logs{}.at("loss"); }, "[]");
}

TEST(Logs, FormatsValuesAsKerasProgbar) {
  EXPECT_EQ(format_log_value(0.32684), "0.3268");
  EXPECT_EQ(format_log_value(12.5), "12.5000");
  EXPECT_EQ(format_log_value(-0.5), "-0.5000");
  // Magnitudes at or below 1e-3 switch to scientific notation (Keras: abs(avg) > 1e-3 else %.4e).
  EXPECT_EQ(format_log_value(1e-3), "1.0000e-03");
  EXPECT_EQ(format_log_value(0.0010001), "0.0010");
  EXPECT_EQ(format_log_value(1.23456e-4), "1.2346e-04");
  EXPECT_EQ(format_log_value(-2e-5), "-2.0000e-05");
  EXPECT_EQ(format_log_value(0.0), "0.0000e+00");
}

TEST(Logs, KeyList) {
  EXPECT_EQ((Logs{{"loss", 1.0}, {"val_loss", 2.0}}).key_list(), "loss, val_loss");
  EXPECT_EQ(Logs{}.key_list(), "");
}

TEST(Logs, FormatsValuesAsPythonStr) {
  // Python: str(0.1), str(1.0), str(100.0), str(0.0001), str(1e-05), str(123456.789), ...
  EXPECT_EQ(format_python_float(0.1), "0.1");
  EXPECT_EQ(format_python_float(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(format_python_float(1.0), "1.0");
  EXPECT_EQ(format_python_float(100.0), "100.0");
  EXPECT_EQ(format_python_float(100000.0), "100000.0");
  EXPECT_EQ(format_python_float(0.0001), "0.0001");
  EXPECT_EQ(format_python_float(0.00012345), "0.00012345");
  EXPECT_EQ(format_python_float(1e-05), "1e-05");
  EXPECT_EQ(format_python_float(2.5e-07), "2.5e-07");
  EXPECT_EQ(format_python_float(123456.789), "123456.789");
  EXPECT_EQ(format_python_float(1e15), "1000000000000000.0");
  EXPECT_EQ(format_python_float(1e16), "1e+16");
  EXPECT_EQ(format_python_float(1.5e300), "1.5e+300");
  EXPECT_EQ(format_python_float(-0.5), "-0.5");
  EXPECT_EQ(format_python_float(0.0), "0.0");
  EXPECT_EQ(format_python_float(-0.0), "-0.0");
  // A float32 loss widened to double keeps its float32 digits, as in Keras's logs.
  EXPECT_EQ(format_python_float(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(format_python_float(std::nan("")), "nan");
  EXPECT_EQ(format_python_float(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(Logs, ToStringJoinsWithDashes) {
  Logs logs{{"loss", 0.32684}, {"accuracy", 0.89931}, {"lr", 1e-4}};
  EXPECT_EQ(logs.to_string(), "loss: 0.3268 - accuracy: 0.8993 - lr: 1.0000e-04");
  EXPECT_EQ(Logs{}.to_string(), "");
}

}  // namespace
}  // namespace tandem
