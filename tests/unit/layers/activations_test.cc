// Activation, LeakyReLU, ELU and Softmax layers: conformance and hand-computed values.
#include "tandem/layers/activation/activations.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

Tensor f64(std::vector<double> v) {
  Shape s{static_cast<int64_t>(v.size())};
  return Tensor::from_vector(v, s);
}

const LayerOptions kF64 = {.dtype = float64};

TEST(Activation, Conformance) {
  check_layer_conformance(
      LayerCase{.make = [] { return std::make_shared<layers::Activation>("tanh", kF64); },
                .inputs = {sample({3, 4}, 0.2)},
                .expected_output_shapes = {Shape{-1, 4}}});
}

TEST(Activation, AppliesTheNamedFunctionAndRejectsUnknownNames) {
  expect_values(layers::Activation("relu")(f64({-1.0, 2.0})), {0.0, 2.0});
  expect_values(layers::Activation("sigmoid")(f64({0.0})), {0.5});
  EXPECT_EQ(layers::Activation("softplus").get_config()["activation"], "softplus");
  expect_error<ValueError>(
      [] {
        layer_from_config({{"class_name", "Activation"}, {"config", {{"activation", "nope"}}}});
      },
      "nope");
}

TEST(LeakyReLU, Conformance) {
  check_layer_conformance(
      LayerCase{.make = [] { return std::make_shared<layers::LeakyReLU>(0.2, kF64); },
                .inputs = {sample({3, 4}, 0.1)},
                .expected_output_shapes = {Shape{-1, 4}}});
}

TEST(LeakyReLU, DefaultsToKerasAlpha) {
  layers::LeakyReLU leaky;
  EXPECT_EQ(leaky.get_config()["alpha"], 0.3);
  // A float32 layer computes float64 inputs in float32 (Layer's autocast).
  Tensor out = leaky(f64({-2.0, 0.0, 1.5}));
  EXPECT_EQ(out.dtype(), float32);
  expect_values(out, {-0.6, 0.0, 1.5}, 1e-6);
  expect_error<ValueError>([] { layers::LeakyReLU(-1.0); }, "expected alpha >= 0, received -1");
}

TEST(ELU, Conformance) {
  check_layer_conformance(LayerCase{.make = [] { return std::make_shared<layers::ELU>(0.5, kF64); },
                                    .inputs = {sample({3, 4}, 0.1)},
                                    .expected_output_shapes = {Shape{-1, 4}}});
}

TEST(ELU, ExponentialBelowZero) {
  expect_values(layers::ELU(1.0, kF64)(f64({-1.0, 0.0, 2.0})), {std::exp(-1.0) - 1.0, 0.0, 2.0},
                1e-12);
  expect_values(layers::ELU(2.0, kF64)(f64({-1000.0})), {-2.0}, 1e-12);
}

TEST(Softmax, Conformance) {
  check_layer_conformance(
      LayerCase{.make = [] { return std::make_shared<layers::Softmax>(-1, kF64); },
                .inputs = {sample({3, 4}, 0.4)},
                .expected_output_shapes = {Shape{-1, 4}}});
}

TEST(Softmax, NormalizesAlongTheAxis) {
  Tensor x = Tensor::from_vector(std::vector<double>{0.0, std::log(2.0), 0.0, 0.0}, Shape{2, 2});
  expect_values(layers::Softmax(-1, kF64)(x), {1.0 / 3, 2.0 / 3, 0.5, 0.5}, 1e-12);
  expect_values(layers::Softmax(0, kF64)(x), {0.5, 2.0 / 3, 0.5, 1.0 / 3}, 1e-12);
  expect_error<ValueError>([&] { layers::Softmax(2, kF64)(x); },
                           "axis 2 is out of range for an input of shape [2,2]");
}

}  // namespace
}  // namespace tandem
