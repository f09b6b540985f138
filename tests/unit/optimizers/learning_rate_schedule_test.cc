// Learning-rate schedules against hand-computed values, their Keras configs and round trips.
#include "tandem/optimizers/learning_rate_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/assertions.h"

namespace tandem {
namespace {

namespace opt = optimizers;
using nlohmann::json;

void expect_schedule(const opt::LearningRateSchedule& s,
                     const std::vector<std::pair<int64_t, double>>& expected) {
  for (const auto& [step, lr] : expected) EXPECT_NEAR(s(step), lr, 1e-12) << "step " << step;
}

// serialize -> deserialize_schedule gives a schedule with the same config and values.
void expect_round_trip(const opt::LearningRateSchedule& s) {
  json j = opt::serialize(s);
  opt::SchedulePtr back = opt::deserialize_schedule(j);
  EXPECT_EQ(opt::serialize(*back), j);
  for (int64_t step : {0, 1, 7, 33, 250}) EXPECT_DOUBLE_EQ((*back)(step), s(step));
}

TEST(LearningRateSchedule, ExponentialDecay) {
  opt::ExponentialDecay smooth(0.1, 10, 0.5);
  expect_schedule(smooth, {{0, 0.1}, {5, 0.1 * std::sqrt(0.5)}, {10, 0.05}, {20, 0.025}});
  opt::ExponentialDecay stairs(0.1, 10, 0.5, /*staircase=*/true);
  expect_schedule(stairs, {{0, 0.1}, {9, 0.1}, {10, 0.05}, {19, 0.05}, {20, 0.025}});
  EXPECT_EQ(stairs.get_config(), json::parse(R"({"initial_learning_rate": 0.1, "decay_steps": 10.0,
      "decay_rate": 0.5, "staircase": true, "name": null})"));
  expect_round_trip(stairs);
}

TEST(LearningRateSchedule, PiecewiseConstantDecay) {
  opt::PiecewiseConstantDecay s({10, 20}, {1.0, 0.5, 0.1});
  expect_schedule(s, {{0, 1.0}, {10, 1.0}, {11, 0.5}, {20, 0.5}, {21, 0.1}, {1000, 0.1}});
  EXPECT_EQ(s.get_config()["boundaries"], json::parse("[10.0, 20.0]"));
  EXPECT_EQ(s.get_config()["values"], json::parse("[1.0, 0.5, 0.1]"));
  expect_round_trip(s);
  testing::expect_error<ValueError>([] { opt::PiecewiseConstantDecay({10}, {1.0}); },
                                    "received 1 boundaries and 1 values");
}

TEST(LearningRateSchedule, CosineDecay) {
  opt::CosineDecay s(1.0, 100, /*alpha=*/0.1);
  // 0.9 * 0.5 * (1 + cos(pi * step / 100)) + 0.1, held at alpha after decay_steps.
  expect_schedule(
      s,
      {{0, 1.0}, {25, 0.9 * 0.5 * (1 + std::sqrt(0.5)) + 0.1}, {50, 0.55}, {100, 0.1}, {200, 0.1}});
  EXPECT_EQ(s.get_config(), json::parse(R"({"initial_learning_rate": 1.0, "decay_steps": 100.0,
      "alpha": 0.1, "name": null, "warmup_target": null, "warmup_steps": 0.0})"));
  expect_round_trip(s);
}

TEST(LearningRateSchedule, CosineDecayWithWarmup) {
  // Linear from 0 to 1 over 10 steps, then cosine from 1 over 100 steps.
  opt::CosineDecay s(0.0, 100, 0.0, /*warmup_target=*/1.0, /*warmup_steps=*/10);
  expect_schedule(s, {{0, 0.0}, {5, 0.5}, {9, 0.9}, {10, 1.0}, {60, 0.5}, {110, 0.0}, {500, 0.0}});
  EXPECT_EQ(s.get_config()["warmup_target"], 1.0);
  EXPECT_EQ(s.get_config()["warmup_steps"], 10.0);
  expect_round_trip(s);
}

TEST(LearningRateSchedule, PolynomialDecay) {
  opt::PolynomialDecay s(1.0, 10, 0.1, /*power=*/2.0);
  expect_schedule(s, {{0, 1.0}, {5, 0.9 * 0.25 + 0.1}, {10, 0.1}, {20, 0.1}});
  opt::PolynomialDecay cycle(1.0, 10, 0.1, 2.0, /*cycle=*/true);
  // Step 15 decays over 20 steps: p = 0.75.
  expect_schedule(cycle, {{0, 1.0}, {5, 0.325}, {10, 0.1}, {15, 0.9 * 0.0625 + 0.1}});
  EXPECT_EQ(cycle.get_config(), json::parse(R"({"initial_learning_rate": 1.0, "decay_steps": 10.0,
      "end_learning_rate": 0.1, "power": 2.0, "cycle": true, "name": null})"));
  expect_round_trip(cycle);
}

TEST(LearningRateSchedule, InverseTimeDecay) {
  opt::InverseTimeDecay s(1.0, 10, 0.5);
  expect_schedule(s, {{0, 1.0}, {5, 0.8}, {20, 0.5}});
  opt::InverseTimeDecay stairs(1.0, 10, 0.5, true, "inv");
  expect_schedule(stairs, {{9, 1.0}, {15, 1.0 / 1.5}, {20, 0.5}});
  EXPECT_EQ(stairs.get_config()["name"], "inv");
  expect_round_trip(stairs);
}

TEST(LearningRateSchedule, BadInput) {
  testing::expect_error<ValueError>([] { opt::ExponentialDecay(0.1, 0, 0.5); },
                                    "decay_steps must be > 0, received 0");
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize_schedule({{"class_name", "StepDecay"}, {"config", json::object()}});
      },
      "unknown learning rate schedule class 'StepDecay'");
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize_schedule({{"class_name", "ExponentialDecay"}, {"config", json::object()}});
      },
      "bad config for learning rate schedule class 'ExponentialDecay'");
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize_schedule({{"class_name", "ExponentialDecay"}, {"config", nullptr}});
      },
      "expected an object config, received null");
}

}  // namespace
}  // namespace tandem
