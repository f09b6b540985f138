// Conformance of the core layers: Dense, ReLU, Concatenate, Add.
#include <gtest/gtest.h>

#include "tandem/layers/activation/relu.h"
#include "tandem/layers/core/dense.h"
#include "tandem/layers/merging/concatenate.h"
#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using testing::check_layer_conformance;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

TEST(Dense, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<layers::Dense>(
                3, layers::DenseOptions{.activation = "tanh", .layer = {.dtype = float64}});
          },
      .inputs = {sample({4, 5})},
      .expected_output_shapes = {Shape{-1, 3}},
      .bad_input = sample({4, 6}),
      .bad_input_error = "expected input last dimension 5, received [4,6]"});
}

TEST(Dense, AppliesToTheLastAxisOfRank3Inputs) {
  check_layer_conformance(LayerCase{.make =
                                        [] {
                                          return std::make_shared<layers::Dense>(
                                              2, layers::DenseOptions{.layer = {.dtype = float64}});
                                        },
                                    .inputs = {sample({2, 3, 4})},
                                    .expected_output_shapes = {Shape{-1, 3, 2}}});
}

TEST(ReLU, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<layers::ReLU>(layers::ReLUOptions{
                          .max_value = 0.8, .negative_slope = 0.1, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({3, 4}, 0.3)},
                .expected_output_shapes = {Shape{-1, 4}}});
  layers::ReLU capped({.max_value = 1.0, .negative_slope = 0.5});
  testing::expect_values(capped(constant({-2.0f, 0.5f, 3.0f})), {-1.0, 0.5, 1.0});
}

TEST(Concatenate, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] { return std::make_shared<layers::Concatenate>(-1, LayerOptions{.dtype = float64}); },
      .inputs = {sample({2, 3}), sample({2, 2}, 1.0)},
      .expected_output_shapes = {Shape{-1, 5}},
      .bad_input = sample({2, 3}),
      .bad_input_error = "expects a list of at least 2 inputs"});
}

TEST(Add, Conformance) {
  check_layer_conformance(LayerCase{
      .make = [] { return std::make_shared<layers::Add>(LayerOptions{.dtype = float64}); },
      .inputs = {sample({2, 3}), sample({2, 3}, 1.0)},
      .expected_output_shapes = {Shape{-1, 3}}});
  // Broadcasting inputs, as the sum broadcasts them.
  check_layer_conformance(LayerCase{
      .make = [] { return std::make_shared<layers::Add>(LayerOptions{.dtype = float64}); },
      .inputs = {sample({2, 3}), sample({1, 3}, 1.0)},
      .expected_output_shapes = {Shape{-1, 3}}});
}

TEST(MergingLayers, OutputShapesCheckTheInputsAgree) {
  layers::Concatenate concat(1);
  EXPECT_EQ(concat.compute_output_shape({Shape{-1, 2, 3}, Shape{-1, 4, -1}}),
            (std::vector<Shape>{{-1, 6, 3}}));
  EXPECT_EQ(concat.compute_output_shape({Shape{-1, -1, 3}, Shape{-1, 4, 3}}),
            (std::vector<Shape>{{-1, -1, 3}}));
  testing::expect_error<ShapeError>(
      [&] {
        concat.compute_output_shape({Shape{-1, 2, 3}, Shape{-1, 4, 5}});
      },
      "expects inputs with matching shapes except along the concatenation axis 1, received "
      "[?,2,3], [?,4,5]");
  testing::expect_error<ValueError>(
      [&] {
        layers::Concatenate(3).compute_output_shape({Shape{-1, 2}, Shape{-1, 2}});
      },
      "axis 3 is out of range for inputs of rank 2");
  layers::Add add;
  EXPECT_EQ(add.compute_output_shape({Shape{-1, 1}, Shape{-1, 5}}), (std::vector<Shape>{{-1, 5}}));
  testing::expect_error<ShapeError>(
      [&] {
        add.compute_output_shape({Shape{-1, 3}, Shape{-1, 4}});
      },
      "expects inputs that broadcast together, received [?,3], [?,4]");
}

TEST(Dense, OutputShapeNeedsNoBuild) {
  layers::Dense dense(3);
  EXPECT_EQ(dense.compute_output_shape({Shape{-1, -1, 5}}), (std::vector<Shape>{{-1, -1, 3}}));
  EXPECT_FALSE(dense.built());
  testing::expect_error<ValueError>(
      [&] {
        dense.compute_output_shape({Shape{-1, 5}, Shape{-1, 5}});
      },
      "expects one input, received 2 input shapes");
  testing::expect_error<ShapeError>([&] { dense.compute_output_shape({Shape{5}}); },
                                    "expected input of rank >= 2, received rank 1");
}

}  // namespace
}  // namespace tandem
