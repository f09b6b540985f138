// compile()'s arguments: a plain function among the metrics is wrapped as Keras wraps it.
#include "tandem/training/compile_options.h"

#include <gtest/gtest.h>

#include "tandem/layers/core/dense.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_values;

Tensor abs_error(const Tensor& y_true, const Tensor& y_pred) { return abs(y_true - y_pred); }

TEST(MetricSpec, PlainFunctionBecomesAMeanMetricWrapper) {
  MetricSpec spec = abs_error;
  metrics::MetricPtr m = spec.resolve(Shape{2, 1}, Shape{2, 1});
  EXPECT_EQ(m->class_name(), "MeanMetricWrapper");
  EXPECT_EQ(m->name(), "mean_metric_wrapper");
  m->update_state(constant({{1.0}, {2.0}}), constant({{2.0}, {5.0}}));
  expect_values(m->result(), {2.0});
  // Each resolve is a fresh wrapper, so two outputs do not share one state.
  EXPECT_NE(spec.resolve(Shape{2, 1}, Shape{2, 1}), m);

  MetricSpec named(abs_error, "abs_error");
  EXPECT_EQ(named.resolve(Shape{1}, Shape{1})->name(), "abs_error");
  MetricSpec lambda([](const Tensor& t, const Tensor& p) { return square(t - p); }, "sq");
  EXPECT_EQ(lambda.resolve(Shape{1}, Shape{1})->name(), "sq");
}

TEST(MetricSpec, CompileWithAFunctionReportsItsMean) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<layers::Dense>(
      1, layers::DenseOptions{.kernel_initializer = initializers::ones(),
                              .layer = {.input_shape = Shape{2}}}));
  model->compile({.optimizer = "sgd",
                  .loss = "mse",
                  .metrics = {abs_error, MetricSpec(abs_error, "abs_error")}});
  // y_pred = x0 + x1: 3 and 7 against 1 and 1 -> mean absolute error 4.
  Logs logs =
      model->test_on_batch({constant({{1.0f, 2.0f}, {3.0f, 4.0f}})}, {constant({{1.0f}, {1.0f}})});
  EXPECT_NEAR(logs.at("mean_metric_wrapper"), 4.0, 1e-6);
  EXPECT_NEAR(logs.at("abs_error"), 4.0, 1e-6);
}

}  // namespace
}  // namespace tandem
