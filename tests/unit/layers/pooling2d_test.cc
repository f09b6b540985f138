// MaxPooling2D and AveragePooling2D: conformance and hand-computed windows.
#include "tandem/layers/pooling/pooling2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::AveragePooling2D;
using layers::MaxPool2D;
using layers::MaxPooling2D;
using layers::Pooling2DOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

// 1..9 as one 3x3 single-channel image.
Tensor one_to_nine() {
  return Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{1, 3, 3, 1});
}

TEST(MaxPooling2D, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<MaxPooling2D>(Pooling2DOptions{.layer = {.dtype = float64}});
          },
      .inputs = {sample({2, 4, 4, 3})},
      .expected_output_shapes = {Shape{-1, 2, 2, 3}},
      .bad_input = sample({2, 4, 4}),
      .bad_input_error = "expected input of rank 4, received rank 3"});
}

TEST(AveragePooling2D, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<AveragePooling2D>(Pooling2DOptions{
                .pool_size = 3, .strides = 2, .padding = "same", .layer = {.dtype = float64}});
          },
      .inputs = {sample({2, 5, 5, 2})},
      .expected_output_shapes = {Shape{-1, 3, 3, 2}}});
}

TEST(MaxPooling2D, TakesTheMaximumOfEachWindow) {
  MaxPool2D pool;  // pool_size 2, strides = pool_size, valid
  Tensor y = pool(one_to_nine());
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 1}));
  expect_values(y, {5});
  expect_values(MaxPooling2D({.padding = "same"})(one_to_nine()), {5, 6, 8, 9});
  expect_values(MaxPooling2D({.strides = 1})(one_to_nine()), {5, 6, 8, 9});
  json config = pool.get_config();
  EXPECT_EQ(config["pool_size"], json::parse("[2,2]"));
  EXPECT_EQ(config["strides"], json::parse("[2,2]"));
  EXPECT_EQ(config["padding"], "valid");
}

TEST(AveragePooling2D, SamePaddingLeavesPaddedCellsOut) {
  expect_values(AveragePooling2D({.padding = "same"})(one_to_nine()), {3, 4.5, 7.5, 9});
  expect_values(AveragePooling2D({.strides = 1})(one_to_nine()), {3, 4, 6, 7});
}

TEST(Pooling2D, RejectsBadOptionsAndDeserializesAliases) {
  expect_error<ValueError>([] { MaxPooling2D({.padding = "full"}); },
                           "MaxPooling2D: expected padding 'valid' or 'same', received 'full'");
  expect_error<ValueError>([] { AveragePooling2D({.pool_size = 0}); },
                           "AveragePooling2D: pool_size must be positive, received [0]");
  auto layer = layer_from_config({{"class_name", "MaxPool2D"}, {"config", {{"name", "p"}}}});
  EXPECT_EQ(layer->class_name(), "MaxPooling2D");
}

}  // namespace
}  // namespace tandem
