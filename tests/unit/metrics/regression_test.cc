// MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError, CosineSimilarity.
#include "tandem/metrics/regression.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_state_sums;
using testing::expect_values;

const Tensor& y_true_1() {
  static const Tensor t = constant({{0.0, 1.0}, {0.0, 0.0}});
  return t;
}
const Tensor& y_pred_1() {
  static const Tensor t = constant({{1.0, 1.0}, {0.0, 0.0}});
  return t;
}

TEST(MeanSquaredError, TwoBatches) {
  metrics::MeanSquaredError m;
  EXPECT_EQ(m.name(), "mean_squared_error");
  m.update_state(y_true_1(), y_pred_1());
  expect_values(m.result(), {0.25});  // Keras docstring
  m.update_state(constant({{1.0, 1.0}}), constant({{0.0, 0.0}}));
  expect_values(m.result(), {1.5 / 3.0});

  metrics::MeanSquaredError w;
  w.update_state(y_true_1(), y_pred_1(), constant({1.0, 0.0}));
  expect_values(w.result(), {0.5});  // Keras docstring
  w.update_state(constant({{1.0, 1.0}}), constant({{0.0, 0.0}}), constant({2.0}));
  expect_values(w.result(), {2.5 / 3.0});
  w.reset_state();
  expect_values(w.result(), {0.0});
}

TEST(MeanAbsoluteError, TwoBatches) {
  metrics::MeanAbsoluteError m;
  m.update_state(y_true_1(), y_pred_1());
  expect_values(m.result(), {0.25});
  m.update_state(constant({{2.0, 0.0}}), constant({{0.0, 1.0}}));
  expect_values(m.result(), {2.0 / 3.0});

  metrics::MeanAbsoluteError w;
  w.update_state(y_true_1(), y_pred_1(), constant({1.0, 0.0}));
  expect_values(w.result(), {0.5});
  w.update_state(constant({{2.0, 0.0}}), constant({{0.0, 1.0}}), constant({3.0}));
  expect_values(w.result(), {(0.5 + 4.5) / 4.0});
}

TEST(RootMeanSquaredError, CalledAsAFunction) {
  metrics::RootMeanSquaredError rmse;
  expect_values(rmse(constant({0.0, 0.0}), constant({3.0, 4.0})), {std::sqrt(12.5)}, 1e-6);
}

TEST(RootMeanSquaredError, TwoBatchesThroughTheBase) {
  auto rmse = std::make_shared<metrics::RootMeanSquaredError>();
  metrics::Metric& m = *rmse;
  m.update_state(y_true_1(), y_pred_1());
  expect_values(m.result(), {0.5});  // Keras docstring
  m.update_state(constant({{1.0, 1.0}}), constant({{0.0, 0.0}}));
  expect_values(m.result(), {std::sqrt(3.0 / 6.0)});

  metrics::RootMeanSquaredError w;
  w.update_state(y_true_1(), y_pred_1(), constant({1.0, 0.0}));
  expect_values(w.result(), {std::sqrt(0.5)});  // Keras docstring: 0.70710677
  w.update_state(constant({{1.0, 1.0}}), constant({{0.0, 0.0}}), constant({3.0}));
  expect_values(w.result(), {std::sqrt(7.0 / 8.0)});
  EXPECT_EQ(w.name(), "root_mean_squared_error");
}

TEST(CosineSimilarity, TwoBatches) {
  const Tensor y_true = constant({{0.0, 1.0}, {1.0, 1.0}});
  const Tensor y_pred = constant({{1.0, 0.0}, {1.0, 1.0}});
  metrics::CosineSimilarity m;
  m.update_state(y_true, y_pred);
  expect_values(m.result(), {0.5});  // Keras docstring
  m.update_state(constant({{3.0, 4.0}}), constant({{4.0, 3.0}}));
  expect_values(m.result(), {(0.0 + 1.0 + 0.96) / 3.0});

  metrics::CosineSimilarity w;
  w.update_state(y_true, y_pred, constant({0.3, 0.7}));
  expect_values(w.result(), {0.7});  // Keras docstring
  w.update_state(constant({{3.0, 4.0}}), constant({{4.0, 3.0}}), constant({1.0}));
  expect_values(w.result(), {(0.7 + 0.96) / 2.0});
  EXPECT_EQ(w.get_config()["axis"], -1);
}

TEST(Regression, StateIsASum) {
  auto feed_a = [](metrics::Metric& m) {
    m.update_state(constant({{1.0, 2.0}, {3.0, 4.0}}), constant({{1.5, 2.0}, {2.0, 6.0}}));
  };
  auto feed_b = [](metrics::Metric& m) {
    m.update_state(constant({{0.0, 1.0}}), constant({{1.0, -1.0}}), constant({2.0}));
  };
  expect_state_sums([] { return std::make_shared<metrics::MeanSquaredError>(); }, feed_a, feed_b);
  expect_state_sums([] { return std::make_shared<metrics::MeanAbsoluteError>(); }, feed_a, feed_b);
  expect_state_sums([] { return std::make_shared<metrics::RootMeanSquaredError>(); }, feed_a,
                    feed_b);
  expect_state_sums([] { return std::make_shared<metrics::CosineSimilarity>(); }, feed_a, feed_b);
}

}  // namespace
}  // namespace tandem
