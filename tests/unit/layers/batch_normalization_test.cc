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

// The layer's fused path (channels last, float32 / float64) against the composed formula Keras
// writes: outputs, moving statistics (momentum 0.99, epsilon 1e-3) and gradients, in training and
// inference, on NHWC and 2-D inputs.
class BatchNormalizationFused : public ::testing::TestWithParam<Shape> {};

std::vector<int64_t> all_but_last(int rank) {
  std::vector<int64_t> axes;
  for (int64_t d = 0; d + 1 < rank; ++d) axes.push_back(d);
  return axes;
}

TEST_P(BatchNormalizationFused, MatchesTheComposedFormula) {
  const Shape shape = GetParam();
  const int64_t c = shape.dim(-1);
  const std::vector<int64_t> axes = all_but_last(shape.rank());
  for (DType dtype : {float64, float32}) {
    const double tol = dtype == float64 ? 1e-10 : 2e-5;
    BatchNormalization norm({.beta_initializer = initializers::constant(0.2),
                             .gamma_initializer = initializers::constant(1.5),
                             .moving_mean_initializer = initializers::constant(0.1),
                             .moving_variance_initializer = initializers::constant(2.0),
                             .layer = {.dtype = dtype}});
    Tensor x64 = sample(shape, 0.3) * 3.0 + 0.5;
    Tensor x = cast(x64, dtype);
    norm.build({x.shape()});
    std::vector<Variable> w = norm.weights();
    // Training: the batch's statistics, and the outputs' gradients.
    GradientTape tape;
    tape.watch(x);
    Tensor y = norm(x, true);
    Tensor target = reduce_sum(cast(y, float64) * testing::weights_like(y));
    std::vector<std::optional<Tensor>> got = tape.gradient(target, {x, w[0].value(), w[1].value()});
    Moments m = moments(x64, axes);
    auto formula = [&](const Tensor& in, const Tensor& gamma, const Tensor& beta) {
      Moments mm = moments(in, axes);
      return (in - mm.mean) * rsqrt(mm.variance + 1e-3) * gamma + beta;
    };
    Tensor gamma = fill(Shape{c}, 1.5, float64), beta = fill(Shape{c}, 0.2, float64);
    testing::expect_values(y, formula(x64, gamma, beta).to_vector<double>(), tol * 10);
    GradientTape ref_tape;
    ref_tape.watch(x64);
    ref_tape.watch(gamma);
    ref_tape.watch(beta);
    Tensor ref_y = formula(x64, gamma, beta);
    std::vector<std::optional<Tensor>> want =
        ref_tape.gradient(reduce_sum(ref_y * testing::weights_like(ref_y)), {x64, gamma, beta});
    for (int k = 0; k < 3; ++k) {
      ASSERT_TRUE(got[k].has_value()) << "input " << k;
      testing::expect_values(*got[k], want[k]->to_vector<double>(), tol * 100);
    }
    // The moving statistics moved as Keras moves them.
    Tensor moving_mean = fill(Shape{c}, 0.1, float64) * 0.99 + m.mean * 0.01;
    Tensor moving_var = fill(Shape{c}, 2.0, float64) * 0.99 + m.variance * 0.01;
    testing::expect_values(norm.moving_mean().value(), moving_mean.to_vector<double>(), tol);
    testing::expect_values(norm.moving_variance().value(), moving_var.to_vector<double>(), tol);
    // Inference: the moving statistics, unchanged by the call.
    Tensor z = norm(x, false);
    Tensor ref_z = (x64 - moving_mean) * rsqrt(moving_var + 1e-3) * 1.5 + 0.2;
    testing::expect_values(z, ref_z.to_vector<double>(), tol * 10);
    testing::expect_values(norm.moving_mean().value(), moving_mean.to_vector<double>(), tol);
  }
}

INSTANTIATE_TEST_SUITE_P(NhwcAnd2D, BatchNormalizationFused,
                         ::testing::Values(Shape{4, 3, 3, 5}, Shape{8, 3}, Shape{16, 7, 7, 32}));

// A feature axis that is not last takes the composed path; it normalises the same way.
TEST(BatchNormalization, ComposedPathForOtherAxes) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<BatchNormalization>(
                          BatchNormalizationOptions{.axis = 1, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({4, 2, 3})},
                .expected_output_shapes = {Shape{-1, 2, 3}},
                .bad_input = sample({4, 3, 3}),
                .bad_input_error = "expected input dimension 1 2, received [4,3,3]",
                .stochastic_in_training = true});
  // Channels first [batch, channels, features] against channels last through the transpose.
  BatchNormalization first({.axis = 1, .layer = {.dtype = float64}});
  BatchNormalization last({.layer = {.dtype = float64}});
  Tensor x = sample({5, 3, 4}, 0.7);
  Tensor a = first(x, true);
  const std::vector<int64_t> swap{0, 2, 1};
  Tensor b = transpose(last(transpose(x, swap), true), swap);
  testing::expect_values(a, b.to_vector<double>(), 1e-10);
  testing::expect_values(first.moving_variance().value(),
                         last.moving_variance().value().to_vector<double>(), 1e-12);
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
