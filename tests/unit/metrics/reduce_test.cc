// Mean, Sum and MeanMetricWrapper.
#include "tandem/metrics/reduce.h"

#include <gtest/gtest.h>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_state_sums;
using testing::expect_values;

TEST(Mean, StreamsWithAndWithoutWeights) {
  metrics::Mean m;
  expect_values(m.result(), {0.0});  // divide_no_nan before any update
  m.update_state(constant({1.0, 3.0, 5.0, 7.0}));
  expect_values(m.result(), {4.0});  // Keras docstring
  m.update_state(constant({2.0, 4.0}), constant({1.0, 3.0}));
  expect_values(m.result(), {30.0 / 8.0});
  expect_values(m.variables()[0], {30.0});  // total
  expect_values(m.variables()[1], {8.0});   // count
  EXPECT_EQ(m.variables()[0].name(), "mean/total");
  EXPECT_EQ(m.variables()[1].name(), "mean/count");
  EXPECT_FALSE(m.variables()[0].trainable());

  metrics::Mean w;
  w.update_state(constant({1.0, 3.0, 5.0, 7.0}), constant({1.0, 1.0, 0.0, 0.0}));
  expect_values(w.result(), {2.0});  // Keras docstring
  w.reset_state();
  expect_values(w.result(), {0.0});
  expect_values(w.variables()[1], {0.0});
  w.update_state(constant({10.0}), std::optional<Tensor>());
  expect_values(w.result(), {10.0});
}

TEST(Mean, WeightShapes) {
  metrics::Mean row;  // [batch] weights against [batch, 2] values: one weight per row
  row.update_state(constant({{1.0, 2.0}, {3.0, 4.0}}), constant({1.0, 0.0}));
  expect_values(row.result(), {1.5});
  expect_values(row.variables()[1], {2.0});

  metrics::Mean lead;  // [2] against [2, 2, 2]: values are first averaged per leading index
  lead.update_state(constant({{{1.0, 2.0}, {3.0, 4.0}}, {{5.0, 6.0}, {7.0, 8.0}}}),
                    constant({1.0, 3.0}));
  expect_values(lead.result(), {(2.5 + 3 * 6.5) / 4});

  metrics::Mean bad;
  expect_error<ValueError>(
      [&] {
        bad.update_state(constant({{1.0, 2.0, 3.0}}), constant({{1.0, 2.0}}));
      },
      "does not broadcast");
}

TEST(Sum, StreamsAndResets) {
  metrics::Sum s;
  s.update_state(constant({1.0, 3.0, 5.0, 7.0}));
  expect_values(s.result(), {16.0});  // Keras docstring
  s.update_state(constant({2.0, 4.0}), constant({0.5, 2.0}));
  expect_values(s.result(), {25.0});
  ASSERT_EQ(s.variables().size(), 1u);
  EXPECT_EQ(s.get_config(), nlohmann::json::parse(R"({"name": "sum", "dtype": "float32"})"));
  s.reset_state();
  expect_values(s.result(), {0.0});

  metrics::Sum lead({.name = "total_loss", .dtype = float64});
  lead.update_state(constant({{1.0, 2.0}, {3.0, 4.0}}), constant({1.0, 2.0}));
  expect_values(lead.result(), {3.0 + 14.0});
  EXPECT_EQ(lead.result().dtype(), float64);
  EXPECT_EQ(lead.name(), "total_loss");
}

TEST(Reduce, RejectsTheYTrueYPredForm) {
  metrics::Mean m;
  metrics::Metric& base = m;
  expect_error<ValueError>([&] { base.update_state(constant({1.0}), constant({2.0})); },
                           "use update_state(values)");
  expect_error<ValueError>([&] { m.update_state(constant({1.0}), constant({2.0}), std::nullopt); },
                           "Mean 'mean' is a reduce metric");
}

TEST(Reduce, StateIsASum) {
  auto make = [] { return std::make_shared<metrics::Mean>(); };
  expect_state_sums(
      make,
      [](metrics::Mean& m) {
        m.update_state(constant({1.0, 3.0, 5.0}));
      },
      [](metrics::Mean& m) {
        m.update_state(constant({2.0, 8.0}), constant({1.0, 3.0}));
      });
  auto make_sum = [] { return std::make_shared<metrics::Sum>(); };
  expect_state_sums(
      make_sum,
      [](metrics::Sum& m) {
        m.update_state(constant({1.0, 3.0}));
      },
      [](metrics::Sum& m) { m.update_state(constant({2.0})); });
}

TEST(MeanMetricWrapper, AveragesAPerExampleFunction) {
  metrics::MeanMetricWrapper m(
      [](const Tensor& y_true, const Tensor& y_pred) { return abs(y_true - y_pred); }, "abs_error");
  EXPECT_EQ(m.class_name(), "MeanMetricWrapper");
  // y_true [2, 1] against y_pred [2]: the trailing 1 is squeezed, as in Keras.
  m.update_state(constant({{1.0}, {2.0}}), constant({1.5, 4.0}));
  expect_values(m.result(), {(0.5 + 2.0) / 2});
  m.update_state(constant({0.0}), constant({3.0}), constant({2.0}));
  expect_values(m.result(), {(0.5 + 2.0 + 6.0) / 4});
  // Integer inputs are cast to the metric dtype first.
  metrics::MeanMetricWrapper ints(
      [](const Tensor& y_true, const Tensor& y_pred) {
        EXPECT_EQ(y_true.dtype(), float32);
        return y_pred - y_true;
      },
      "diff");
  ints.update_state(constant({1, 2}), constant({4, 4}));
  expect_values(ints.result(), {2.5});
  expect_error<ValueError>([] { metrics::MeanMetricWrapper(nullptr, "x"); },
                           "expected a metric function");
}

// Keras's `metric(...)`: update the state with this batch and return the running result.
TEST(Reduce, CallingUpdatesAndReturnsTheResult) {
  metrics::Mean mean;
  expect_values(mean(constant({1.0, 3.0})), {2.0});
  expect_values(mean(constant({8.0}), constant({2.0})), {(1.0 + 3.0 + 16.0) / 4});
  expect_values(mean.variables()[1], {4.0});  // the calls went through update_state
  metrics::Sum sum;
  sum(constant({1.0, 2.0}));
  expect_values(sum(constant({4.0})), {7.0});
  // A wrapper is called as (y_true, y_pred), not as a reduce metric's (values, sample_weight).
  metrics::MeanMetricWrapper wrapper(
      [](const Tensor& y_true, const Tensor& y_pred) { return y_pred - y_true; }, "diff");
  expect_values(wrapper(constant({1.0, 1.0}), constant({2.0, 4.0})), {2.0});
  expect_values(wrapper(constant({0.0}), constant({4.0}), constant({2.0})),
                {(1.0 + 3.0 + 8.0) / 4});
}

}  // namespace
}  // namespace tandem
