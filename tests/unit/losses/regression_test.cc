// Regression losses against Keras's docstring examples and float64 values computed by hand.
#include "tandem/losses/regression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/gradient_check.h"

namespace tandem::losses {
namespace {

using testing::expect_error;
using testing::expect_values;

Tensor f64(const Literal& value) { return constant(value, float64); }

// The three reductions and a per-sample weight, as the Keras docstrings exercise them.
void expect_reductions(const std::function<LossPtr(Reduction)>& make, const Tensor& y_true,
                       const Tensor& y_pred, const std::vector<double>& per_example,
                       const Tensor& sample_weight, double weighted, double tol = 1e-6) {
  double sum = 0;
  for (double v : per_example) sum += v;
  auto n = static_cast<double>(per_example.size());
  expect_values((*make(Reduction::none))(y_true, y_pred), per_example, tol);
  EXPECT_NEAR((*make(Reduction::sum))(y_true, y_pred).item<double>(), sum, tol);
  EXPECT_NEAR((*make(Reduction::sum_over_batch_size))(y_true, y_pred).item<double>(), sum / n, tol);
  EXPECT_NEAR((*make(Reduction::sum_over_batch_size))(y_true, y_pred, sample_weight).item<double>(),
              weighted, tol);
}

template <class L>
std::function<LossPtr(Reduction)> plain() {
  return [](Reduction r) { return std::make_shared<L>(LossOptions{.reduction = r}); };
}

TEST(MeanSquaredError, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {1.0, 0.0}});
  expect_reductions(plain<MeanSquaredError>(), y_true, y_pred, {0.5, 0.5}, constant({0.7, 0.3}),
                    0.25);
  expect_values(mean_squared_error(y_true, y_pred), {0.5, 0.5});
  // Higher rank: the mean is over the last axis only.
  Tensor t3 = f64({{{1.0, 2.0}, {3.0, 4.0}}});
  Tensor p3 = f64({{{1.0, 0.0}, {0.0, 4.0}}});
  expect_values(mean_squared_error(t3, p3), {2.0, 4.5}, 1e-12);
}

TEST(MeanAbsoluteError, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {1.0, 0.0}});
  expect_reductions(plain<MeanAbsoluteError>(), y_true, y_pred, {0.5, 0.5}, constant({0.7, 0.3}),
                    0.25);
  expect_values(mean_absolute_error(f64({{1.0, -2.0}}), f64({{-1.0, 1.0}})), {2.5}, 1e-12);
}

TEST(MeanAbsolutePercentageError, KerasExample) {
  Tensor y_true = constant({{2.0, 1.0}, {2.0, 3.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {1.0, 0.0}});
  expect_reductions(plain<MeanAbsolutePercentageError>(), y_true, y_pred, {25.0, 75.0},
                    constant({0.7, 0.3}), 20.0, 1e-5);
  // A zero label divides by epsilon instead of 0.
  expect_values(mean_absolute_percentage_error(f64({{0.0}}), f64({{1e-7}})), {100.0}, 1e-9);
}

TEST(MeanSquaredLogarithmicError, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {1.0, 0.0}});
  double v = std::log(2.0) * std::log(2.0) / 2;  // 0.2402265
  expect_reductions(plain<MeanSquaredLogarithmicError>(), y_true, y_pred, {v, v},
                    constant({0.7, 0.3}), v / 2);
  // Negative values are clamped at epsilon before the log.
  double clamp = std::log(1e-7 + 1.0);
  expect_values(mean_squared_logarithmic_error(f64({{-5.0}}), f64({{std::exp(1.0) - 1}})),
                {(1 - clamp) * (1 - clamp)}, 1e-12);
}

TEST(Huber, KerasExampleAndDelta) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  auto make = [](Reduction r) { return std::make_shared<Huber>(HuberOptions{.reduction = r}); };
  expect_reductions(make, y_true, y_pred, {0.18, 0.13}, constant({1.0, 0.0}), 0.09);
  // delta = 0.5: |e| = 0.6 is in the linear zone (0.5 * 0.6 - 0.125), 0.4 in the quadratic one.
  expect_values(huber(f64({{0.0, 1.0}, {0.0, 0.0}}), f64({{0.6, 0.4}, {0.4, 0.6}}), 0.5),
                {0.175, (0.08 + 0.175) / 2}, 1e-12);
  EXPECT_DOUBLE_EQ(Huber({.delta = 0.5}).delta(), 0.5);
  expect_error<ValueError>([] { Huber({.delta = -1.0}); }, "Huber expected delta >= 0");
}

TEST(LogCosh, KerasExampleAndLargeErrors) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {0.0, 0.0}});
  double v = std::log(std::cosh(1.0)) / 2;  // 0.2168904
  expect_reductions(plain<LogCosh>(), y_true, y_pred, {v, 0.0}, constant({0.8, 0.2}), 0.8 * v / 2);
  // cosh(1000) overflows; log(cosh(x)) ~ |x| - log(2) does not.
  expect_values(log_cosh(f64({{0.0}}), f64({{1000.0}})), {1000.0 - std::log(2.0)}, 1e-12);
  expect_values(log_cosh(constant({{0.0}}), constant({{-200.0}})), {200.0 - std::log(2.0)}, 1e-6);
}

TEST(CosineSimilarity, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {1.0, 1.0}});
  Tensor y_pred = constant({{1.0, 0.0}, {1.0, 1.0}});
  auto make = [](Reduction r) {
    return std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = 1, .reduction = r});
  };
  expect_reductions(make, y_true, y_pred, {0.0, -1.0}, constant({0.8, 0.2}), -0.1);
  // Along axis 0, and a zero vector (similarity 0, not NaN).
  expect_values(cosine_similarity(f64({{3.0, 0.0}, {4.0, 0.0}}), f64({{6.0, 0.0}, {8.0, 1.0}}), 0),
                {-1.0, 0.0}, 1e-12);
  expect_values(cosine_similarity(f64({{1.0, 2.0}}), f64({{-2.0, 1.0}})), {0.0}, 1e-12);
}

TEST(RegressionLosses, Gradients) {
  Tensor y_true = f64({{0.3, -1.2, 2.0}, {0.5, 1.5, -0.7}});
  Tensor y_pred = f64({{0.1, -0.2, 2.6}, {1.9, 1.1, -0.3}});
  std::vector<LossPtr> losses = {
      std::make_shared<MeanSquaredError>(),
      std::make_shared<MeanAbsoluteError>(),
      std::make_shared<MeanAbsolutePercentageError>(),
      std::make_shared<Huber>(HuberOptions{.delta = 0.5}),  // both zones
      std::make_shared<LogCosh>(),
      std::make_shared<CosineSimilarity>(),
      std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = 0}),
  };
  for (const LossPtr& loss : losses) {
    SCOPED_TRACE(loss->class_name());
    // One weight per example: 2 examples, or 3 for cosine similarity along axis 0.
    Tensor weights =
        loss->call(y_true, y_pred).num_elements() == 2 ? f64({0.4, 1.3}) : f64({0.4, 1.3, 0.7});
    testing::check_gradients([&](const std::vector<Tensor>& in) { return (*loss)(in[0], in[1]); },
                             {y_true, y_pred});
    testing::check_gradients(
        [&](const std::vector<Tensor>& in) { return (*loss)(in[0], in[1], weights); },
        {y_true, y_pred});
  }
  // MSLE on positive values (its max(x, eps) is flat below zero).
  MeanSquaredLogarithmicError msle;
  testing::check_gradients([&](const std::vector<Tensor>& in) { return msle(in[0], in[1]); },
                           {f64({{0.3, 1.2}, {2.0, 0.5}}), f64({{1.1, 0.2}, {0.9, 3.0}})});
}

TEST(RegressionLosses, BadInputs) {
  expect_error<ShapeError>(
      [] {
        MeanSquaredError()(zeros({32, 1}), zeros({32, 10}));
      },
      "MeanSquaredError expected y_true and y_pred of the same shape, received [32, 1] and "
      "[32, 10]");
  expect_error<ShapeError>(
      [] {
        mean_absolute_error(zeros({4, 3}), zeros({3, 4}));
      },
      "mean_absolute_error expected y_true and y_pred of the same shape, "
      "received [4, 3] and [3, 4]");
  expect_error<TypeError>(
      [] {
        Huber()(zeros({2, 2}), zeros({2, 2}, int32));
      },
      "Huber expected a floating-point y_pred, received dtype int32");
  expect_error<ValueError>([] { LogCosh()(Tensor(), zeros({2})); }, "expected defined");
}

}  // namespace
}  // namespace tandem::losses
