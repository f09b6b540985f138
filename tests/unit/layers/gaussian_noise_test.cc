// GaussianNoise: conformance, identity at inference, noise statistics and reproducibility.
#include "tandem/layers/regularization/gaussian_noise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::GaussianNoise;
using layers::GaussianNoiseOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::LayerCase;

Tensor sample(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i));
  return Tensor::from_vector(v, shape);
}

TEST(GaussianNoise, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<GaussianNoise>(
                          0.1, GaussianNoiseOptions{.seed = 1, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({3, 5})},
                .expected_output_shapes = {Shape{-1, 5}},
                .stochastic_in_training = true});
}

TEST(GaussianNoise, AddsNoiseOfTheGivenStddevOnlyWhileTraining) {
  GaussianNoise noise(2.0, {.seed = 4});
  Tensor x = zeros({100, 100});
  EXPECT_EQ(noise(x, false).to_vector<float>(), x.to_vector<float>());
  std::vector<float> y = noise(x, true).to_vector<float>();
  double sum = 0, sq = 0;
  for (float v : y) {
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  double mean = sum / y.size();
  EXPECT_NEAR(mean, 0.0, 0.1);
  EXPECT_NEAR(std::sqrt(sq / y.size() - mean * mean), 2.0, 0.1);
}

TEST(GaussianNoise, NewNoiseEachCallReproduciblyForASeed) {
  GaussianNoise a(1.0, {.seed = 9}), b(1.0, {.seed = 9});
  Tensor x = zeros({8});
  std::vector<float> a1 = a(x, true).to_vector<float>(), a2 = a(x, true).to_vector<float>();
  EXPECT_NE(a1, a2);
  EXPECT_EQ(b(x, true).to_vector<float>(), a1);
  EXPECT_EQ(b(x, true).to_vector<float>(), a2);
  expect_error<ValueError>([] { GaussianNoise(-1.0); }, "expected stddev >= 0, received -1");
}

}  // namespace
}  // namespace tandem
