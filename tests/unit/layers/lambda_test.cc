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
      .expected_output_shapes = {Shape{-1, 2}}});
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
