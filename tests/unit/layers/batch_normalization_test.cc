// BatchNormalization: conformance, batch statistics in training, moving statistics at inference,
// their update rule, and Keras's parameter counts.
#include "tandem/layers/normalization/batch_normalization.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::BatchNormalization;
using layers::BatchNormalizationOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

// Channel 0: 1, 3, 5, 7 (mean 4, variance 5); channel 1: 10..40 (mean 25, variance 125).
Tensor batch() {
  return Tensor::from_vector(std::vector<double>{1, 10, 3, 20, 5, 30, 7, 40}, Shape{4, 2});
}

TEST(BatchNormalization, Conformance) {
  // Training normalizes with batch statistics, inference with the moving ones: the outputs
  // differ, as for a stochastic layer.
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<BatchNormalization>(BatchNormalizationOptions{
                .beta_initializer = initializers::constant(0.2), .layer = {.dtype = float64}});
          },
      .inputs = {sample({4, 2, 3})},
      .expected_output_shapes = {Shape{-1, 2, 3}},
      .bad_input = sample({4, 2, 5}),
      .bad_input_error = "expected input dimension 2 3, received [4,2,5]",
      .stochastic_in_training = true});
}

TEST(BatchNormalization, TrainingGradientsThroughBatchStatistics) {
  BatchNormalization norm({.layer = {.dtype = float64}});
  testing::check_gradients([&](const std::vector<Tensor>& xs) { return norm(xs[0], true); },
                           {sample({5, 3}, 0.3)});
}

TEST(BatchNormalization, TrainingUsesBatchMomentsAndMovesTheStatistics) {
  BatchNormalization norm({.layer = {.dtype = float64}});
  Tensor y = norm(batch(), true);
  double a = 1 / std::sqrt(5 + 1e-3), b = 10 / std::sqrt(125 + 1e-3);
  expect_values(y, {-3 * a, -1.5 * b, -a, -0.5 * b, a, 0.5 * b, 3 * a, 1.5 * b}, 1e-9);
  expect_values(norm.moving_mean().value(), {0.04, 0.25}, 1e-12);
  expect_values(norm.moving_variance().value(), {0.99 + 0.05, 0.99 + 1.25}, 1e-12);
  // Inference normalizes with the moving statistics and leaves them alone.
  Tensor z = norm(batch(), false);
  expect_values(z,
                {(1 - 0.04) / std::sqrt(1.04 + 1e-3), (10 - 0.25) / std::sqrt(2.24 + 1e-3),
                 (3 - 0.04) / std::sqrt(1.04 + 1e-3), (20 - 0.25) / std::sqrt(2.24 + 1e-3),
                 (5 - 0.04) / std::sqrt(1.04 + 1e-3), (30 - 0.25) / std::sqrt(2.24 + 1e-3),
                 (7 - 0.04) / std::sqrt(1.04 + 1e-3), (40 - 0.25) / std::sqrt(2.24 + 1e-3)},
                1e-9);
  expect_values(norm.moving_mean().value(), {0.04, 0.25}, 1e-12);
}

TEST(BatchNormalization, SymbolicCallsDoNotMoveTheStatistics) {
  BatchNormalization norm;
  norm.compute_output_shape({Shape{-1, 2}});
  norm(Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, Shape{2, 2}), false);
  expect_values(norm.moving_mean().value(), {0, 0});
  expect_values(norm.moving_variance().value(), {1, 1});
}

TEST(BatchNormalization, KerasWeightsAndParameterCounts) {
  BatchNormalization norm;
  norm(zeros({2, 5, 5, 64}));
  EXPECT_EQ(norm.count_params(), 256);
  int64_t non_trainable = 0;
  for (const Variable& v : norm.non_trainable_weights()) non_trainable += v.shape().num_elements();
  EXPECT_EQ(non_trainable, 128);
  std::vector<Variable> w = norm.weights();
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].name(), norm.name() + "/gamma");
  EXPECT_EQ(w[1].name(), norm.name() + "/beta");
  EXPECT_EQ(w[2].name(), norm.name() + "/moving_mean");
  EXPECT_EQ(w[3].name(), norm.name() + "/moving_variance");
  EXPECT_EQ(norm.trainable_weights().size(), 2u);
  json config = norm.get_config();
  EXPECT_EQ(config["momentum"], 0.99);
  EXPECT_EQ(config["epsilon"], 1e-3);
  expect_error<ValueError>([] { BatchNormalization({.momentum = 1.5}); },
                           "expected momentum in [0, 1], received 1.5");
  expect_error<ValueError>(
      [] {
        BatchNormalization({.axis = 3})(zeros({2, 2}));
      },
      "axis 3 is out of range");
}

}  // namespace
}  // namespace tandem
