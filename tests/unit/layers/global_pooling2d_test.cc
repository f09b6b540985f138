// GlobalAveragePooling2D and GlobalMaxPooling2D: conformance, keepdims and values.
#include "tandem/layers/pooling/global_pooling2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::GlobalAveragePooling2D;
using layers::GlobalMaxPooling2D;
using layers::GlobalPooling2DOptions;
using testing::check_layer_conformance;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

// Two channels over a 2x2 image: channel 0 is 1..4, channel 1 is 10, 20, 30, 40.
Tensor two_channels() {
  return Tensor::from_vector(std::vector<float>{1, 10, 2, 20, 3, 30, 4, 40}, Shape{1, 2, 2, 2});
}

TEST(GlobalAveragePooling2D, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<GlobalAveragePooling2D>(
                          GlobalPooling2DOptions{.layer = {.dtype = float64}});
                    },
                .inputs = {sample({2, 3, 3, 4})},
                .expected_output_shapes = {Shape{-1, 4}},
                .bad_input = sample({2, 3, 4}),
                .bad_input_error = "expected input of rank 4, received rank 3"});
}

TEST(GlobalMaxPooling2D, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<GlobalMaxPooling2D>(
                          GlobalPooling2DOptions{.keepdims = true, .layer = {.dtype = float64}});
                    },
                .inputs = {sample({2, 3, 3, 4})},
                .expected_output_shapes = {Shape{-1, 1, 1, 4}}});
}

TEST(GlobalPooling2D, ReducesTheSpatialAxesPerChannel) {
  expect_values(GlobalAveragePooling2D()(two_channels()), {2.5, 25});
  expect_values(GlobalMaxPooling2D()(two_channels()), {4, 40});
  Tensor kept = GlobalAveragePooling2D({.keepdims = true})(two_channels());
  EXPECT_EQ(kept.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_EQ(GlobalMaxPooling2D().get_config()["keepdims"], false);
}

}  // namespace
}  // namespace tandem
