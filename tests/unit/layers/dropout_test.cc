// Dropout: conformance, identity at inference, a new reproducible mask per training call.
#include "tandem/layers/regularization/dropout.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::Dropout;
using layers::DropoutOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 1.5 + std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

TEST(Dropout, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<Dropout>(
                          0.5, DropoutOptions{.seed = 7, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({4, 8})},
                .expected_output_shapes = {Shape{-1, 8}},
                .stochastic_in_training = true});
}

TEST(Dropout, ZeroesOrScalesInTrainingAndIsTheIdentityAtInference) {
  Dropout dropout(0.25, {.seed = 3});
  Tensor x = ones({50, 20});
  EXPECT_EQ(dropout(x, false).to_vector<float>(), x.to_vector<float>());
  std::vector<float> y = dropout(x, true).to_vector<float>();
  int zeros = 0;
  for (float v : y) {
    if (v == 0) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
    }
  }
  EXPECT_NEAR(zeros / 1000.0, 0.25, 0.05);
}

TEST(Dropout, DrawsANewMaskEachCallReproduciblyForASeed) {
  Tensor x = ones({4, 16});
  Dropout a(0.5, {.seed = 11}), b(0.5, {.seed = 11});
  std::vector<float> a1 = a(x, true).to_vector<float>(), a2 = a(x, true).to_vector<float>();
  EXPECT_NE(a1, a2);
  EXPECT_EQ(b(x, true).to_vector<float>(), a1);
  EXPECT_EQ(b(x, true).to_vector<float>(), a2);
}

TEST(Dropout, NoiseShapeDropsWholeColumns) {
  Dropout dropout(0.5, {.noise_shape = std::vector<int64_t>{1, -1}, .seed = 5});
  std::vector<float> y = dropout(ones({6, 10}), true).to_vector<float>();
  for (int row = 1; row < 6; ++row)
    for (int col = 0; col < 10; ++col) EXPECT_EQ(y[row * 10 + col], y[col]);
  EXPECT_EQ(dropout.get_config()["noise_shape"], json::parse("[1,null]"));
}

TEST(Dropout, RejectsBadRates) {
  expect_error<ValueError>([] { Dropout(1.0); }, "expected rate in [0, 1), received 1");
  expect_error<ValueError>([] { Dropout(-0.1); }, "expected rate in [0, 1)");
  Dropout mismatched(0.5, {.noise_shape = std::vector<int64_t>{1}});
  expect_error<ShapeError>(
      [&] {
        mismatched(ones({2, 2}), true);
      },
      "noise_shape [1] does not match input rank 2");
}

}  // namespace
}  // namespace tandem
