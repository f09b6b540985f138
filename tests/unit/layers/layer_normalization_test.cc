// LayerNormalization: conformance, per-sample normalization, several axes, config.
#include "tandem/layers/normalization/layer_normalization.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::LayerNormalization;
using layers::LayerNormalizationOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

TEST(LayerNormalization, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<LayerNormalization>(LayerNormalizationOptions{
                .gamma_initializer = initializers::constant(1.5), .layer = {.dtype = float64}});
          },
      .inputs = {sample({3, 4})},
      .expected_output_shapes = {Shape{-1, 4}},
      .bad_input = sample({3, 5}),
      .bad_input_error = "expected input dimension 1 4, received [3,5]"});
}

TEST(LayerNormalization, SeveralAxesConformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<LayerNormalization>(
                          LayerNormalizationOptions{.axis = {1, 2}, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({2, 3, 2}, 0.5)},
                .expected_output_shapes = {Shape{-1, 3, 2}}});
}

TEST(LayerNormalization, NormalizesEachSample) {
  LayerNormalization norm({.epsilon = 0.0, .layer = {.dtype = float64}});
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3, 2, 4, 6}, Shape{2, 3});
  double r = 1.0 / std::sqrt(2.0 / 3.0);
  expect_values(norm(x), {-r, 0, r, -r, 0, r}, 1e-9);
  LayerNormalization with_eps({.layer = {.dtype = float64}});
  double s = 1.0 / std::sqrt(2.0 / 3.0 + 1e-3);
  std::vector<double> y = with_eps(x).to_vector<double>();
  EXPECT_NEAR(y[0], -s, 1e-9);
  EXPECT_NEAR(y[5], 2.0 / std::sqrt(8.0 / 3.0 + 1e-3), 1e-9);
}

TEST(LayerNormalization, WeightsAndConfigFollowKeras) {
  LayerNormalization norm;
  norm(zeros({2, 8}));
  ASSERT_EQ(norm.weights().size(), 2u);
  EXPECT_EQ(norm.weights()[0].name(), norm.name() + "/gamma");
  EXPECT_EQ(norm.weights()[1].name(), norm.name() + "/beta");
  EXPECT_EQ(norm.count_params(), 16);
  json config = norm.get_config();
  EXPECT_EQ(config["axis"], json::parse("[-1]"));
  EXPECT_EQ(config["epsilon"], 1e-3);
  LayerNormalization bare({.center = false, .scale = false});
  bare(zeros({2, 8}));
  EXPECT_EQ(bare.count_params(), 0);
  expect_error<ValueError>(
      [] {
        LayerNormalization({.axis = {0}})(zeros({2, 2}));
      },
      "axis 0 is out of range (or the batch axis)");
}

}  // namespace
}  // namespace tandem
