// The batch normalization kernels against a direct double-precision reading of batch_norm.h's
// formulas: row counts that end inside a block of 64 and span several threads' chunks, channel
// counts that are not multiples of the vector width, absent scale / offset, outputs not asked for,
// the moving-average update, empty inputs, and data far from zero (the shifted sums).
#include "kernels/cpu/batch_norm.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

namespace tandem::kernels::cpu {
namespace {

std::vector<double> sample(int64_t n, double phase, double spread, double offset) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    v[static_cast<size_t>(i)] = offset + spread * std::sin(0.37 * static_cast<double>(i) + phase);
  }
  return v;
}

struct Stats {
  std::vector<double> mean, var;
};

Stats reference_stats(const std::vector<double>& x, int64_t rows, int64_t channels) {
  Stats s{std::vector<double>(channels, 0.0), std::vector<double>(channels, 0.0)};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < channels; ++c) s.mean[c] += x[r * channels + c] / rows;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < channels; ++c) {
      const double d = x[r * channels + c] - s.mean[c];
      s.var[c] += d * d / rows;
    }
  return s;
}

struct Shape2 {
  int64_t rows, channels;
};

class BatchNormKernel : public ::testing::TestWithParam<Shape2> {};

TEST_P(BatchNormKernel, TrainingForwardAndBackwardMatchTheFormulas) {
  const auto [rows, channels] = GetParam();
  for (double offset : {0.0, 1000.0}) {
    SCOPED_TRACE(offset);
    const std::vector<double> x = sample(rows * channels, 0.2, 3.0, offset);
    const std::vector<double> dy = sample(rows * channels, 1.3, 1.0, 0.1);
    const std::vector<double> scale = sample(channels, 0.5, 0.4, 1.0);
    const std::vector<double> offs = sample(channels, 2.0, 0.3, 0.0);
    const std::vector<double> running_mean = sample(channels, 3.0, 0.2, 0.0);
    const std::vector<double> running_var = sample(channels, 4.0, 0.2, 1.0);
    std::vector<double> y(x.size()), mean(channels), var(channels), new_mean(channels),
        new_var(channels);
    const double eps = 1e-3, factor = 0.01;
    batch_norm_training(ScalarType::kFloat64, {.rows = rows,
                                               .channels = channels,
                                               .x = x.data(),
                                               .scale = scale.data(),
                                               .offset = offs.data(),
                                               .epsilon = eps,
                                               .y = y.data(),
                                               .batch_mean = mean.data(),
                                               .batch_variance = var.data(),
                                               .running_mean = running_mean.data(),
                                               .running_variance = running_var.data(),
                                               .factor = factor,
                                               .new_running_mean = new_mean.data(),
                                               .new_running_variance = new_var.data()});
    const Stats s = reference_stats(x, rows, channels);
    for (int64_t c = 0; c < channels; ++c) {
      EXPECT_NEAR(mean[c], s.mean[c], 1e-9 * (1 + offset)) << "channel " << c;
      EXPECT_NEAR(var[c], s.var[c], 1e-9 * (1 + offset)) << "channel " << c;
      EXPECT_NEAR(new_mean[c], running_mean[c] * (1 - factor) + mean[c] * factor, 1e-12);
      EXPECT_NEAR(new_var[c], running_var[c] * (1 - factor) + var[c] * factor, 1e-12);
    }
    std::vector<double> dx(x.size()), dscale(channels), doffset(channels);
    batch_norm_backward(ScalarType::kFloat64, {.rows = rows,
                                               .channels = channels,
                                               .training = true,
                                               .dy = dy.data(),
                                               .x = x.data(),
                                               .scale = scale.data(),
                                               .mean = mean.data(),
                                               .variance = var.data(),
                                               .epsilon = eps,
                                               .dx = dx.data(),
                                               .dscale = dscale.data(),
                                               .doffset = doffset.data()});
    for (int64_t c = 0; c < channels; ++c) {
      const double inv = 1 / std::sqrt(s.var[c] + eps);
      double sum_dy = 0, sum_dy_xhat = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = r * channels + c;
        const double xhat = (x[i] - s.mean[c]) * inv;
        EXPECT_NEAR(y[i], xhat * scale[c] + offs[c], 1e-9) << "element " << i;
        sum_dy += dy[i];
        sum_dy_xhat += dy[i] * xhat;
      }
      EXPECT_NEAR(doffset[c], sum_dy, 1e-9);
      EXPECT_NEAR(dscale[c], sum_dy_xhat, 1e-8);
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = r * channels + c;
        const double xhat = (x[i] - s.mean[c]) * inv;
        const double want = scale[c] * inv * (dy[i] - sum_dy / rows - xhat * sum_dy_xhat / rows);
        EXPECT_NEAR(dx[i], want, 1e-9) << "element " << i;
      }
    }
  }
}

TEST_P(BatchNormKernel, InferenceAndPartialBackward) {
  const auto [rows, channels] = GetParam();
  const std::vector<double> x = sample(rows * channels, 0.7, 2.0, 0.5);
  const std::vector<double> dy = sample(rows * channels, 1.1, 1.0, 0.0);
  const std::vector<double> mean = sample(channels, 0.1, 0.5, 0.0);
  const std::vector<double> var = sample(channels, 0.9, 0.3, 1.0);
  std::vector<double> y(x.size());
  // No scale and no offset: 1 and 0.
  batch_norm_inference(ScalarType::kFloat64, rows, channels, x.data(), nullptr, nullptr,
                       mean.data(), var.data(), 0.01, y.data());
  std::vector<double> dscale(channels, -7.0);
  // Only dscale asked for: dx and doffset stay untouched (null).
  batch_norm_backward(ScalarType::kFloat64, {.rows = rows,
                                             .channels = channels,
                                             .training = false,
                                             .dy = dy.data(),
                                             .x = x.data(),
                                             .mean = mean.data(),
                                             .variance = var.data(),
                                             .epsilon = 0.01,
                                             .dscale = dscale.data()});
  std::vector<double> dx(x.size());
  batch_norm_backward(ScalarType::kFloat64, {.rows = rows,
                                             .channels = channels,
                                             .training = false,
                                             .dy = dy.data(),
                                             .x = x.data(),
                                             .mean = mean.data(),
                                             .variance = var.data(),
                                             .epsilon = 0.01,
                                             .dx = dx.data()});
  for (int64_t c = 0; c < channels; ++c) {
    const double inv = 1 / std::sqrt(var[c] + 0.01);
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r * channels + c;
      EXPECT_NEAR(y[i], (x[i] - mean[c]) * inv, 1e-12);
      EXPECT_NEAR(dx[i], dy[i] * inv, 1e-12);
      sum += dy[i] * (x[i] - mean[c]) * inv;
    }
    EXPECT_NEAR(dscale[c], sum, 1e-9);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormKernel,
                         ::testing::Values(Shape2{1, 3}, Shape2{7, 5}, Shape2{64, 1},
                                           Shape2{65, 17}, Shape2{3000, 13}, Shape2{130, 300}));

TEST(BatchNormKernel, Float32AgreesAcrossThreadCounts) {
  const int64_t rows = 5000, channels = 24;
  const std::vector<double> x64 = sample(rows * channels, 0.3, 10.0, 500.0);
  std::vector<float> x(x64.begin(), x64.end());
  auto run = [&](int threads, std::vector<float>& mean, std::vector<float>& var) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(threads);
    std::vector<float> y(x.size());
    mean.assign(channels, 0.f);
    var.assign(channels, 0.f);
    batch_norm_training(ScalarType::kFloat32, {.rows = rows,
                                               .channels = channels,
                                               .x = x.data(),
                                               .epsilon = 1e-3,
                                               .y = y.data(),
                                               .batch_mean = mean.data(),
                                               .batch_variance = var.data()});
    omp_set_num_threads(before);
  };
  std::vector<float> m1, v1, m2, v2;
  run(1, m1, v1);
  run(2, m2, v2);
  const Stats s = reference_stats(std::vector<double>(x.begin(), x.end()), rows, channels);
  for (int64_t c = 0; c < channels; ++c) {
    EXPECT_NEAR(m1[c], s.mean[c], 1e-4) << "channel " << c;
    EXPECT_NEAR(v1[c], s.var[c], 1e-4 * s.var[c]) << "channel " << c;
    EXPECT_NEAR(m2[c], m1[c], 1e-4);
    EXPECT_NEAR(v2[c], v1[c], 1e-5 * v1[c]);
  }
}

TEST(BatchNormKernel, EmptyBatch) {
  std::vector<float> mean(3, -1.f), var(3, -1.f);
  batch_norm_training(ScalarType::kFloat32, {.rows = 0,
                                             .channels = 3,
                                             .x = nullptr,
                                             .epsilon = 1e-3,
                                             .y = nullptr,
                                             .batch_mean = mean.data(),
                                             .batch_variance = var.data()});
  EXPECT_EQ(mean, std::vector<float>(3, 0.f));
  EXPECT_EQ(var, std::vector<float>(3, 0.f));
}

}  // namespace
}  // namespace tandem::kernels::cpu
