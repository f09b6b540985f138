#include "tandem/ops/nn.h"

#include <gtest/gtest.h>

#include "tandem/ops/random.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 2.0 * std::sin(0.9 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

TEST(Moments, HandComputed) {
  Tensor x = constant({{1.0, 2.0}, {3.0, 4.0}}, float64);
  Moments per_column = moments(x, {0});
  EXPECT_EQ(per_column.mean.shape(), Shape({2}));
  expect_values(per_column.mean, {2, 3});
  expect_values(per_column.variance, {1, 1});
  Moments all = moments(x, {0, 1});
  EXPECT_EQ(all.mean.shape(), Shape({}));
  expect_values(all.mean, {2.5});
  expect_values(all.variance, {1.25});
  Moments kept = moments(x, {-1}, /*keepdims=*/true);
  EXPECT_EQ(kept.variance.shape(), Shape({2, 1}));
  expect_values(kept.mean, {1.5, 3.5});
  expect_values(kept.variance, {0.25, 0.25});
}

TEST(Moments, BatchNormAxesAndHalfPrecision) {
  Tensor x = sample({4, 3, 3, 2});
  Moments m = moments(x, {0, 1, 2});
  EXPECT_EQ(m.mean.shape(), Shape({2}));
  std::vector<double> v = x.to_vector<double>();
  for (int c = 0; c < 2; ++c) {
    double sum = 0, sq = 0;
    for (size_t i = c; i < v.size(); i += 2) sum += v[i];
    double mean = sum / 36;
    for (size_t i = c; i < v.size(); i += 2) sq += (v[i] - mean) * (v[i] - mean);
    EXPECT_NEAR(m.mean.to_vector<double>()[c], mean, 1e-12);
    EXPECT_NEAR(m.variance.to_vector<double>()[c], sq / 36, 1e-12);
  }
  Moments h = moments(cast(constant({{1.0, 2.0}, {3.0, 4.0}}), float16), {0});
  EXPECT_EQ(h.mean.dtype(), float16);
  EXPECT_EQ(h.variance.dtype(), float16);
  expect_values(h.variance, {1, 1});
}

TEST(Moments, Gradients) {
  for (bool keepdims : {false, true}) {
    check_gradients(
        [keepdims](const std::vector<Tensor>& v) {
          return moments(v[0], {0, 2}, keepdims).mean;
        },
        {sample({3, 2, 4})});
    check_gradients(
        [keepdims](const std::vector<Tensor>& v) {
          return moments(v[0], {0, 2}, keepdims).variance;
        },
        {sample({3, 2, 4})});
  }
  // Second derivative of the variance: exact because the mean is not a stopped constant.
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[0]);
        Tensor var = reduce_sum(moments(v[0], {1}).variance);
        return *inner.gradient(var, v[0]);
      },
      {sample({2, 5})});
}

TEST(Moments, Errors) {
  expect_error<TypeError>(
      [] {
        moments(zeros({2, 2}, int32), {0});
      },
      "moments: expected a floating-point tensor");
  expect_error<ValueError>(
      [] {
        moments(zeros({2, 2}), {0, -2});
      },
      "moments: axis -2 appears twice");
  expect_error<ValueError>([] { moments(zeros({2, 2}), {2}); }, "moments: axis 2 is out of range");
}

TEST(Dropout, KeepsAboutOneMinusRateAndScalesKeptValues) {
  Tensor x = ones({100, 100});
  Tensor y = dropout(x, 0.3, {.seed = 7});
  std::vector<float> v = y.to_vector<float>();
  int kept = 0;
  for (float e : v) {
    if (e != 0.f) {
      EXPECT_NEAR(e, 1 / 0.7, 1e-6);
      ++kept;
    }
  }
  EXPECT_GT(kept, 6700);
  EXPECT_LT(kept, 7300);
  // Same seed, same mask.
  EXPECT_EQ(dropout(x, 0.3, {.seed = 7}).to_vector<float>(), v);
  EXPECT_NE(dropout(x, 0.3, {.seed = 8}).to_vector<float>(), v);
}

TEST(Dropout, RateZeroIsIdentity) {
  Tensor x = sample({3, 3});
  expect_values(dropout(x, 0.0), x.to_vector<double>());
}

TEST(Dropout, NoiseShapeDropsWholeSlices) {
  Tensor x = ones({50, 8}, float64);
  Tensor y = dropout(x, 0.5, {.noise_shape = Shape{50, 1}, .seed = 3});
  std::vector<double> v = y.to_vector<double>();
  int dropped_rows = 0;
  for (int r = 0; r < 50; ++r) {
    for (int c = 1; c < 8; ++c) EXPECT_EQ(v[r * 8 + c], v[r * 8]) << "row " << r;
    EXPECT_TRUE(v[r * 8] == 0 || v[r * 8] == 2);
    dropped_rows += v[r * 8] == 0;
  }
  EXPECT_GT(dropped_rows, 10);
  EXPECT_LT(dropped_rows, 40);
}

TEST(Dropout, GradientIsTheScaledMask) {
  Tensor x = sample({20, 10});
  GradientTape tape;
  tape.watch(x);
  Tensor y = dropout(x, 0.25, {.seed = 11});
  std::vector<double> g = tape.gradient(y, x)->to_vector<double>();
  std::vector<double> yv = y.to_vector<double>(), xv = x.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) {
    EXPECT_TRUE(g[i] == 0 || std::abs(g[i] - 1 / 0.75) < 1e-12) << g[i];
    EXPECT_NEAR(yv[i], xv[i] * g[i], 1e-12);
  }
  // With a fixed seed dropout is a fixed linear map, so the numeric check applies.
  check_gradients([](const std::vector<Tensor>& v) { return dropout(v[0], 0.5, {.seed = 5}); },
                  {sample({4, 5})});
}

TEST(Dropout, Errors) {
  expect_error<ValueError>([] { dropout(ones({2}), 1.0); },
                           "dropout: rate must be a float in the range [0, 1), received 1");
  expect_error<ValueError>([] { dropout(ones({2}), -0.1); }, "received -0.1");
  expect_error<TypeError>([] { dropout(ones({2}, int32), 0.5); },
                          "dropout: x has to be a floating-point tensor since it is scaled, "
                          "received int32");
  expect_error<ShapeError>(
      [] {
        dropout(ones({4, 3}), 0.5, {.noise_shape = Shape{4, 2}});
      },
      "dropout: noise_shape [4,2] must broadcast to x's shape [4,3]");
}

}  // namespace
}  // namespace tandem
