// The shape and weight helpers behind the metrics.
#include "tandem/metrics/utils.h"

#include <gtest/gtest.h>

#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_values;

TEST(MetricUtils, SqueezeOrExpand) {
  auto [pred, label] =
      metrics::detail::squeeze_or_expand(constant({{1.0}, {2.0}}), constant({1.0, 2.0}));
  EXPECT_EQ(pred.shape(), Shape({2}));
  EXPECT_EQ(label.shape(), Shape({2}));
  auto [pred2, label2] =
      metrics::detail::squeeze_or_expand(constant({1.0, 2.0}), constant({{1.0}, {2.0}}));
  EXPECT_EQ(pred2.shape(), Shape({2}));
  EXPECT_EQ(label2.shape(), Shape({2}));
  // A trailing dimension other than 1 is left alone.
  auto [pred3, label3] =
      metrics::detail::squeeze_or_expand(constant({{1.0, 2.0}}), constant({1.0}));
  EXPECT_EQ(pred3.shape(), Shape({1, 2}));
  EXPECT_EQ(label3.shape(), Shape({1}));
}

TEST(MetricUtils, BroadcastWeightAndDivideNoNan) {
  const Tensor values = constant({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  Tensor w = metrics::detail::broadcast_weight(constant({1, 2, 3}), values, float64, "m");
  EXPECT_EQ(w.dtype(), float64);
  expect_values(w, {1, 1, 2, 2, 3, 3});
  expect_values(metrics::detail::broadcast_weight(constant(2.0), values, float64, "m"),
                {2, 2, 2, 2, 2, 2});
  expect_values(metrics::detail::broadcast_weight(constant({
                                                      {1.0},
                                                      {0.0},
                                                      {1.0},
                                                  }),
                                                  values, float64, "m"),
                {1, 1, 0, 0, 1, 1});
  expect_error<ValueError>(
      [&] {
        metrics::detail::broadcast_weight(constant({1.0, 2.0}), values, float64, "Mean 'm'");
      },
      "Mean 'm': sample_weight of shape (2,) does not broadcast to the values of shape (3, 2)");
  EXPECT_TRUE(metrics::detail::weight_broadcastable(Shape{1, 2}, Shape{3, 2}));
  EXPECT_FALSE(metrics::detail::weight_broadcastable(Shape{2}, Shape{3, 2, 2}));
  expect_values(metrics::detail::divide_no_nan(constant({1.0, 2.0}), constant({0.0, 4.0})),
                {0.0, 0.5});
}

}  // namespace
}  // namespace tandem
