// Conv2D: conformance and hand-computed convolutions (valid, same with strides, dilated).
#include "tandem/layers/convolutional/conv2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::Conv2D;
using layers::Conv2DOptions;
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

Conv2DOptions ones_kernel(Conv2DOptions o) {
  o.kernel_initializer = initializers::ones();
  o.bias_initializer = initializers::constant(0.5);
  return o;
}

TEST(Conv2D, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<Conv2D>(
                          3, Window2D{2, 2},
                          Conv2DOptions{.activation = "tanh", .layer = {.dtype = float64}});
                    },
                .inputs = {sample({2, 4, 4, 2})},
                .expected_output_shapes = {Shape{-1, 3, 3, 3}},
                .bad_input = sample({2, 4, 4, 3}),
                .bad_input_error = "expected input last dimension 2, received [2,4,4,3]"});
}

TEST(Conv2D, SamePaddingWithStridesConformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<Conv2D>(2, 3,
                                                      Conv2DOptions{.strides = 2,
                                                                    .padding = "same",
                                                                    .use_bias = false,
                                                                    .layer = {.dtype = float64}});
                    },
                .inputs = {sample({1, 5, 5, 1})},
                .expected_output_shapes = {Shape{-1, 3, 3, 2}},
                .bad_input = sample({5, 5, 1}),
                .bad_input_error = "expected input of rank 4, received rank 3"});
}

TEST(Conv2D, ReluConformance) {
  // relu is fused into the convolution (fused_conv2d): the harness checks its gradients.
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<Conv2D>(
                          4, 3,
                          Conv2DOptions{.padding = "same",
                                        .activation = "relu",
                                        .bias_initializer = initializers::constant(0.1),
                                        .layer = {.dtype = float64}});
                    },
                .inputs = {sample({2, 5, 5, 3})},
                .expected_output_shapes = {Shape{-1, 5, 5, 4}},
                .bad_input = sample({2, 5, 5, 2}),
                .bad_input_error = "expected input last dimension 3, received [2,5,5,2]"});
}

TEST(Conv2D, OnlyTheBuiltInReluIsFused) {
  EXPECT_TRUE(activations::Activation("relu").is_relu());
  EXPECT_FALSE(activations::Activation("relu6").is_relu());
  EXPECT_FALSE(activations::Activation().is_relu());
  // A user's function under the name "relu" is applied as written, not replaced by the kernel's.
  activations::Activation doubled("relu", [](const Tensor& x) { return relu(x) * 2.0f; });
  EXPECT_FALSE(doubled.is_relu());
  Conv2D fused(1, 2, ones_kernel({.activation = "relu"}));
  Conv2D custom(1, 2, ones_kernel({.activation = doubled}));
  expect_values(fused(one_to_nine()), {12.5, 16.5, 24.5, 28.5});
  expect_values(custom(one_to_nine()), {25, 33, 49, 57});
  Conv2D negative(1, 2, ones_kernel({.activation = "relu"}));
  expect_values(negative(one_to_nine() * -1.0f), {0, 0, 0, 0});
}

TEST(Conv2D, ValidConvolutionSumsEachWindowPlusBias) {
  Conv2D conv(1, 2, ones_kernel({}));
  Tensor y = conv(one_to_nine());
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  expect_values(y, {12.5, 16.5, 24.5, 28.5});
  EXPECT_EQ(conv.count_params(), 5);
}

TEST(Conv2D, SamePaddingPadsAfterWithStride2) {
  Conv2D conv(1, 2, ones_kernel({.strides = 2, .padding = "same"}));
  expect_values(conv(one_to_nine()), {12.5, 9.5, 15.5, 9.5});
}

TEST(Conv2D, DilationSpreadsTheKernel) {
  Conv2D conv(1, 2, ones_kernel({.dilation_rate = 2, .use_bias = false}));
  Tensor y = conv(one_to_nine());
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 1}));
  expect_values(y, {20.0});
}

TEST(Conv2D, KerasParameterCountsAndConfig) {
  Conv2D conv(8, 3);
  conv(zeros({1, 5, 5, 3}));
  EXPECT_EQ(conv.count_params(), 3 * 3 * 3 * 8 + 8);
  json config = conv.get_config();
  EXPECT_EQ(config["kernel_size"], json::parse("[3,3]"));
  EXPECT_EQ(config["strides"], json::parse("[1,1]"));
  EXPECT_EQ(config["padding"], "valid");
  EXPECT_EQ(config["activation"], "linear");
}

TEST(Conv2D, RejectsBadHyperparameters) {
  expect_error<ValueError>([] { Conv2D(0, 3); }, "expected filters > 0, received 0");
  expect_error<ValueError>([] { Conv2D(1, 3, {.padding = "full"}); },
                           "expected padding 'valid' or 'same', received 'full'");
  expect_error<ValueError>([] { Conv2D(1, 3)(zeros({1, 2, 2, 1})); }, "");
}

}  // namespace
}  // namespace tandem
