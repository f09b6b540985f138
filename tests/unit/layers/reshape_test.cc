// Flatten, Reshape, Permute and RepeatVector: conformance and hand-computed values.
#include "tandem/layers/reshaping/reshape.h"

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

Tensor iota(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  return Tensor::from_vector(v, shape);
}

const LayerOptions kF64 = {.dtype = float64};

TEST(Flatten, Conformance) {
  check_layer_conformance(LayerCase{.make = [] { return std::make_shared<layers::Flatten>(kF64); },
                                    .inputs = {sample({2, 3, 4})},
                                    .expected_output_shapes = {Shape{-1, 12}}});
}

TEST(Flatten, KeepsTheBatchAndMakesRank1InputsAColumn) {
  layers::Flatten flatten;
  Tensor y = flatten(iota({2, 2, 3}));
  EXPECT_EQ(y.shape(), (Shape{2, 6}));
  expect_values(y, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  EXPECT_EQ(layers::Flatten()(iota({3})).shape(), (Shape{3, 1}));
  expect_error<ShapeError>([] { layers::Flatten()(constant(1.0)); }, "expected input of rank >= 1");
}

TEST(Reshape, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<layers::Reshape>(std::vector<int64_t>{3, -1}, kF64);
          },
      .inputs = {sample({2, 12})},
      .expected_output_shapes = {Shape{-1, 3, 4}},
      .bad_input = sample({2, 7}),
      .bad_input_error = "cannot reshape an input of shape [2,7] (7 values per sample) to "
                         "target_shape [3,-1]"});
}

TEST(Reshape, InfersTheMinusOneEntryAndRejectsBadTargets) {
  layers::Reshape reshape({-1, 2});
  Tensor y = reshape(iota({1, 6}));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 2}));
  expect_values(y, {0, 1, 2, 3, 4, 5});
  expect_error<ValueError>([] { layers::Reshape({-1, -1}); }, "at most one target_shape entry");
  expect_error<ValueError>([] { layers::Reshape({0, 2}); }, "expected target_shape entries > 0");
  expect_error<ValueError>(
      [] {
        layers::Reshape({2, 2})(iota({1, 6}));
      },
      "cannot reshape an input of shape [1,6]");
}

TEST(Reshape, UnknownInputSizesLeaveTheInferredEntryUnknown) {
  layers::Reshape reshape({-1, 2});
  EXPECT_EQ(reshape.compute_output_shape({Shape{-1, -1, 4}}), (std::vector<Shape>{{-1, -1, 2}}));
  EXPECT_EQ(reshape.compute_output_shape({Shape{-1, 3, 4}}), (std::vector<Shape>{{-1, 6, 2}}));
  EXPECT_EQ(layers::Reshape({4, 2}).compute_output_shape({Shape{-1, -1}}),
            (std::vector<Shape>{{-1, 4, 2}}));
  expect_error<ValueError>(
      [&] {
        reshape.compute_output_shape({Shape{-1, 3, 3}});
      },
      "cannot reshape an input of shape [?,3,3] (9 values per sample)");
  EXPECT_EQ(layers::Flatten().compute_output_shape({Shape{-1, 4, -1}}),
            (std::vector<Shape>{{-1, -1}}));
  EXPECT_EQ(layers::Flatten().compute_output_shape({Shape{8}}), (std::vector<Shape>{{8, 1}}));
}

TEST(Permute, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<layers::Permute>(std::vector<int64_t>{2, 1}, kF64);
                    },
                .inputs = {sample({2, 3, 4})},
                .expected_output_shapes = {Shape{-1, 4, 3}},
                .bad_input = sample({2, 3}),
                .bad_input_error = "expected input of rank 3, received rank 2"});
}

TEST(Permute, SwapsOneBasedAxes) {
  layers::Permute permute({2, 1});
  // [[0, 1, 2], [3, 4, 5]] transposed per sample.
  expect_values(permute(iota({1, 2, 3})), {0, 3, 1, 4, 2, 5});
  expect_error<ValueError>([] { layers::Permute({0, 1}); }, "expected dims to be a permutation");
  expect_error<ValueError>([] { layers::Permute({1, 1}); }, "of 1..2");
}

TEST(RepeatVector, Conformance) {
  check_layer_conformance(
      LayerCase{.make = [] { return std::make_shared<layers::RepeatVector>(3, kF64); },
                .inputs = {sample({2, 4})},
                .expected_output_shapes = {Shape{-1, 3, 4}},
                .bad_input = sample({2, 4, 1}),
                .bad_input_error = "expected input of rank 2, received rank 3"});
}

TEST(RepeatVector, RepeatsEachSample) {
  Tensor y = layers::RepeatVector(2)(iota({2, 2}));
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  expect_values(y, {0, 1, 0, 1, 2, 3, 2, 3});
  expect_error<ValueError>([] { layers::RepeatVector(0); }, "expected n > 0, received 0");
}

}  // namespace
}  // namespace tandem
