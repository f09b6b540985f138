#include "tandem/layers/core/lambda.h"

#include <gtest/gtest.h>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::Lambda;
using testing::expect_error;
using testing::expect_values;

TEST(Lambda, ConformanceWithARegisteredFunction) {
  layers::register_lambda("double_and_square",
                          [](const Tensors& in) -> Tensors { return {square(in[0] * 2.0)}; });
  check_layer_conformance(testing::LayerCase{
      .make =
          [] {
            return std::make_shared<Lambda>(
                [](const Tensors& in) -> Tensors { return {square(in[0] * 2.0)}; },
                "double_and_square", LayerOptions{.dtype = float64});
          },
      .inputs = {Tensor::from_vector(std::vector<double>{0.5, -1.0, 2.0, 0.25}, Shape{2, 2})},
      .expected_output_shapes = {Shape{-1, 2}},
      .shapes_by_call = true});  // no output_shape: its shapes come from running the function
}

TEST(Lambda, ConformanceWithAnOutputShape) {
  // Keras's output_shape as the shape of a sample: kept in the config.
  layers::register_lambda("row_sums", [](const Tensors& in) -> Tensors {
    return {reduce_sum(in[0], {.axis = std::vector<int64_t>{1}, .keepdims = true})};
  });
  check_layer_conformance(testing::LayerCase{
      .make =
          [] {
            return std::make_shared<Lambda>(
                [](const Tensors& in) -> Tensors {
                  return {reduce_sum(in[0], {.axis = std::vector<int64_t>{1}, .keepdims = true})};
                },
                "row_sums", Shape{1}, LayerOptions{.dtype = float64});
          },
      .inputs = {Tensor::from_vector(std::vector<double>{0.5, -1.0, 2.0, 0.25, 1, 3}, Shape{2, 3})},
      .expected_output_shapes = {Shape{-1, 1}}});
  // As a function of the input shapes.
  check_layer_conformance(testing::LayerCase{
      .make =
          [] {
            return std::make_shared<Lambda>(
                [](const Tensors& in) -> Tensors { return {square(in[0] * 2.0)}; },
                "double_and_square", [](const std::vector<Shape>& shapes) { return shapes; },
                LayerOptions{.dtype = float64});
          },
      .inputs = {Tensor::from_vector(std::vector<double>{0.5, -1.0, 2.0, 0.25}, Shape{2, 2})},
      .expected_output_shapes = {Shape{-1, 2}},
      .check_gradients = false});
}

TEST(Lambda, OutputShapeSparesTheFunctionAtBuildTime) {
  int calls = 0;
  auto counted = [&calls](const Tensor& x) {
    ++calls;
    return reshape(x, Shape{x.shape()[0], -1, 2});
  };
  KerasTensor in = Input(Shape{-1, 4});
  // Without output_shape the function runs on placeholders, whose unknown size leaks in.
  KerasTensor guessed = (*std::make_shared<Lambda>(counted, "pairs"))(in);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(guessed.shape(), (Shape{-1, 2, 2}));
  // With it, nothing runs and the unknown stays unknown.
  KerasTensor declared = (*std::make_shared<Lambda>(counted, "pairs", Shape{-1, 2}))(in);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(declared.shape(), (Shape{-1, -1, 2}));
  EXPECT_EQ(Lambda(counted, "pairs", Shape{-1, 2}).get_config()["output_shape"],
            json::parse("[null, 2]"));
  expect_error<ValueError>([&] { Lambda(counted, "pairs", Shape{-2}); },
                           "output_shape dimensions must be >= 0 or -1 (None), received [-2]");
}

TEST(Lambda, SingleTensorFormAndSymbolicUse) {
  auto scale = std::make_shared<Lambda>([](const Tensor& x) { return x * 3.0; }, "triple");
  expect_values((*scale)(constant({1.0f, 2.0f})), {3, 6});
  KerasTensor in = Input(Shape{4});
  KerasTensor out = (*scale)(in);
  EXPECT_EQ(out.shape(), (Shape{-1, 4}));
}

// Registered at file scope, as a user registers a function for load_model.
TANDEM_REGISTER_LAMBDA(negate_for_test,
                       [](const Tensors& in) -> Tensors { return {in[0] * -1.0}; });

TEST(Lambda, MacroRegistersInTheSharedRegistry) {
  EXPECT_TRUE(layers::lambda_registry().contains("negate_for_test"));
  Lambda named([](const Tensor& x) { return x; }, "negate_for_test");
  std::shared_ptr<Layer> rebuilt = layer_from_config(serialize_layer(named));
  expect_values((*rebuilt)(constant({1.0f, -2.0f})), {-1, 2});
}

TEST(Lambda, CustomObjectsResolveTheFunction) {
  Lambda named([](const Tensor& x) { return x; }, "add_ten_custom");
  CustomObjects custom = {{"add_ten_custom", [](const json&) {
                             return layers::LambdaFn(
                                 [](const Tensors& in) -> Tensors { return {in[0] + 10.0}; });
                           }}};
  std::shared_ptr<Layer> rebuilt = layer_from_config(serialize_layer(named), custom);
  expect_values((*rebuilt)(constant({1.0f, 2.0f})), {11, 12});
  // Outside the scope the name is unknown again.
  expect_error<ValueError>([&] { layer_from_config(serialize_layer(named)); },
                           "TANDEM_REGISTER_LAMBDA(add_ten_custom, fn)");
}

TEST(Lambda, UnregisteredFunctionCannotBeRebuilt) {
  Lambda anonymous([](const Tensor& x) { return x; });
  expect_error<ValueError>([&] { layer_from_config(serialize_layer(anonymous)); },
                           "register it first with register_lambda(\"lambda\", fn)");
  expect_error<ValueError>([] { Lambda(layers::LambdaFn{}); }, "the function is empty");
  expect_error<ValueError>([] { layers::register_lambda("empty", layers::LambdaFn{}); },
                           "the function is empty");
}

}  // namespace
}  // namespace tandem
