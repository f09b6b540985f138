// fused_batch_norm: the fused kernels against the composed formula (moments, rsqrt, scale, shift)
// in training and inference, on NHWC and 2-D inputs, the moving-statistics update, numeric
// gradients of every input (first and second order), and the argument checks.
#include "tandem/ops/fused_batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tandem/core/config.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;

Tensor sample(const Shape& shape, double phase = 0.0, double spread = 2.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] =
        spread * std::sin(0.9 * static_cast<double>(i) + phase) + 0.1 * static_cast<double>(i % 7);
  }
  return Tensor::from_vector(v, shape);
}

std::vector<int64_t> all_but_last(const Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t d = 0; d + 1 < x.rank(); ++d) axes.push_back(d);
  return axes;
}

// The composed formula the fused op replaces.
Tensor reference(const Tensor& x, const Tensor& scale, const Tensor& offset, const Tensor& mean,
                 const Tensor& variance, double epsilon) {
  return (x - mean) * rsqrt(variance + epsilon) * scale + offset;
}

void expect_close(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  std::vector<double> g = cast(got, float64).to_vector<double>();
  std::vector<double> w = cast(want, float64).to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_NEAR(g[i], w[i], tol * std::max(1.0, std::abs(w[i]))) << "element " << i;
  }
}

class FusedBatchNormShapes : public ::testing::TestWithParam<Shape> {};
// Small shapes for the numeric checks (one forward pass per input element).
class FusedBatchNormGradients : public ::testing::TestWithParam<Shape> {};

TEST_P(FusedBatchNormShapes, TrainingMatchesTheComposedFormula) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  Tensor x = sample(shape, 0.2);
  Tensor scale = sample({c}, 1.0, 0.5) + 1.0, offset = sample({c}, 2.0, 0.3);
  FusedBatchNormResult r = fused_batch_norm(x, scale, offset, Tensor(), Tensor(), {});
  Moments m = moments(x, all_but_last(x));
  expect_close(r.mean, m.mean, 1e-12);
  expect_close(r.variance, m.variance, 1e-12);
  expect_close(r.y, reference(x, scale, offset, m.mean, m.variance, 1e-3), 1e-12);
  // float32 (the parallel sums included when the input is large) against the float64 result.
  FusedBatchNormResult f = fused_batch_norm(cast(x, float32), cast(scale, float32),
                                            cast(offset, float32), Tensor(), Tensor(), {});
  EXPECT_EQ(f.y.dtype(), float32);
  expect_close(f.y, r.y, 2e-5);
  expect_close(f.variance, r.variance, 2e-6);
}

TEST_P(FusedBatchNormShapes, InferenceMatchesTheComposedFormula) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  Tensor x = sample(shape, 0.4);
  Tensor scale = sample({c}, 1.0, 0.5) + 1.0, offset = sample({c}, 2.0, 0.3);
  Tensor mean = sample({c}, 3.0, 0.2), variance = abs(sample({c}, 4.0)) + 0.5;
  FusedBatchNormResult r =
      fused_batch_norm(x, scale, offset, mean, variance, {.epsilon = 0.01, .is_training = false});
  expect_close(r.y, reference(x, scale, offset, mean, variance, 0.01), 1e-12);
  expect_close(r.mean, mean, 0);
  expect_close(r.variance, variance, 0);
  // No scale and no offset: 1 and 0.
  FusedBatchNormResult bare =
      fused_batch_norm(x, Tensor(), Tensor(), mean, variance, {.is_training = false});
  expect_close(bare.y, (x - mean) * rsqrt(variance + 1e-3), 1e-12);
}

TEST_P(FusedBatchNormGradients, TrainingGradients) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  check_gradients(
      [](const std::vector<Tensor>& v) {
        return fused_batch_norm(v[0], v[1], v[2], Tensor(), Tensor(), {}).y;
      },
      {sample(shape, 0.3), sample({c}, 1.0, 0.5) + 1.0, sample({c}, 2.0)});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        return fused_batch_norm(v[0], Tensor(), Tensor(), Tensor(), Tensor(), {.epsilon = 0.1}).y;
      },
      {sample(shape, 0.5)});
}

TEST_P(FusedBatchNormGradients, InferenceGradients) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  Tensor mean = sample({c}, 3.0, 0.2), variance = abs(sample({c}, 4.0)) + 0.5;
  check_gradients(
      [&](const std::vector<Tensor>& v) {
        return fused_batch_norm(v[0], v[1], v[2], mean, variance, {.is_training = false}).y;
      },
      {sample(shape, 0.3), sample({c}, 1.0, 0.5) + 1.0, sample({c}, 2.0)});
}

// The gradient of the gradient: an outer tape records the backward pass (composed from
// differentiable ops there), checked numerically as a function of x and scale.
TEST_P(FusedBatchNormGradients, SecondOrderGradients) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  for (bool training : {true, false}) {
    Tensor mean = sample({c}, 3.0, 0.2), variance = abs(sample({c}, 4.0)) + 0.5;
    check_gradients(
        [&](const std::vector<Tensor>& v) {
          GradientTape inner;
          inner.watch(v[0]);
          inner.watch(v[1]);
          Tensor y = training ? fused_batch_norm(v[0], v[1], Tensor(), Tensor(), Tensor(), {}).y
                              : fused_batch_norm(v[0], v[1], Tensor(), mean, variance,
                                                 {.is_training = false})
                                    .y;
          Tensor target = reduce_sum(y * testing::weights_like(y) * y);
          std::vector<std::optional<Tensor>> g = inner.gradient(target, {v[0], v[1]});
          return concat({reshape(*g[0], Shape{-1}), *g[1]}, 0);
        },
        {sample(shape, 0.3), sample({c}, 1.0, 0.5) + 1.0}, 1e-6, 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(NhwcAnd2D, FusedBatchNormShapes,
                         ::testing::Values(Shape{3, 2, 2, 3}, Shape{6, 4}, Shape{5, 1},
                                           Shape{64, 8, 8, 17}, Shape{4096, 24}));
INSTANTIATE_TEST_SUITE_P(NhwcAnd2D, FusedBatchNormGradients,
                         ::testing::Values(Shape{3, 2, 2, 3}, Shape{6, 4}, Shape{5, 1}));

TEST(FusedBatchNorm, MovingStatisticsUpdate) {
  // Channel 0: 1, 3, 5, 7 (mean 4, variance 5); channel 1: 10..40 (mean 25, variance 125).
  Tensor x = Tensor::from_vector(std::vector<double>{1, 10, 3, 20, 5, 30, 7, 40}, Shape{4, 2});
  Tensor moving_mean = constant({0.5, -1.0}, float64), moving_var = constant({1.0, 2.0}, float64);
  FusedBatchNormResult r = fused_batch_norm(x, Tensor(), Tensor(), moving_mean, moving_var,
                                            {.exponential_avg_factor = 1.0 - 0.99});
  testing::expect_values(r.mean, {0.5 * 0.99 + 4 * 0.01, -0.99 + 25 * 0.01}, 1e-12);
  testing::expect_values(r.variance, {0.99 + 5 * 0.01, 2 * 0.99 + 125 * 0.01}, 1e-12);
  // Normalised with the batch's statistics, not the moving ones.
  const double a = 1 / std::sqrt(5 + 1e-3);
  EXPECT_NEAR(r.y.to_vector<double>()[0], -3 * a, 1e-12);
}

TEST(FusedBatchNorm, SameResultWithOneOrTwoThreads) {
  Tensor x = cast(sample({32, 8, 8, 16}, 0.1, 50.0) + 1000.0, float32);
  const int before = config::threading::get_intra_op_parallelism_threads();
  config::threading::set_intra_op_parallelism_threads(1);
  FusedBatchNormResult one = fused_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), {});
  config::threading::set_intra_op_parallelism_threads(2);
  FusedBatchNormResult two = fused_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), {});
  config::threading::set_intra_op_parallelism_threads(before);
  // Double accumulators: the order of the per-thread sums is below float32's resolution.
  EXPECT_EQ(one.mean.to_vector<float>(), two.mean.to_vector<float>());
  expect_close(one.y, two.y, 1e-6);
  // Far from zero (mean ~1000) the variance is still the deviations' (no E[x^2] - E[x]^2 loss).
  Moments m = moments(cast(x, float64), {0, 1, 2});
  expect_close(one.variance, m.variance, 1e-6);
}

TEST(FusedBatchNorm, BadArguments) {
  Tensor x = sample({4, 3});
  Tensor c3 = sample({3});
  expect_error<TypeError>([&] { fused_batch_norm(cast(x, float16), Tensor(), Tensor()); },
                          "fused_batch_norm");
  expect_error<TypeError>([&] { fused_batch_norm(x, cast(c3, float32), Tensor()); },
                          "fused_batch_norm");
  expect_error<ShapeError>(
      [&] { fused_batch_norm(x, sample({4}), Tensor()); },
      "expected scale of shape [3] (x's last axis, the channels), received [4]");
  expect_error<ValueError>(
      [&] { fused_batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), {.is_training = false}); },
      "inference (is_training = false) needs the mean and variance");
  expect_error<ValueError>([&] { fused_batch_norm(x, Tensor(), Tensor(), c3, Tensor()); },
                           "expected both mean and variance or neither");
  expect_error<ValueError>([&] { fused_batch_norm(constant(1.0, float64), Tensor(), Tensor()); },
                           "expected x of rank >= 1");
  expect_error<ValueError>(
      [&] { fused_batch_norm(x, Tensor(), Tensor(), c3, c3, {.exponential_avg_factor = 2}); },
      "expected exponential_avg_factor in [0, 1], received 2");
}

}  // namespace
}  // namespace tandem
