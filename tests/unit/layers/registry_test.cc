#include "tandem/layers/registry.h"

#include <gtest/gtest.h>

#include "tandem/layers/core/dense.h"
#include "tandem/layers/core/input_layer.h"
#include "tandem/models/functional.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "testing/assertions.h"
#include "testing/scale_layer.h"

namespace tandem {
namespace {

using layers::Dense;
using testing::expect_error;
using testing::expect_values;

using testing::Scale;

const CustomObjects kCustom = {{"Scale", &Scale::from_config}};

TEST(LayerRegistry, CustomObjectsRebuildAnUnregisteredLayer) {
  json serialized = serialize_layer(Scale(3.0));
  expect_error<ValueError>([&] { layer_from_config(serialized); },
                           "unknown layer class 'Scale': pass it in custom_objects");
  std::shared_ptr<Layer> layer = layer_from_config(serialized, kCustom);
  ASSERT_NE(std::dynamic_pointer_cast<Scale>(layer), nullptr);
  expect_values((*layer)(Tensors{constant({1.f, 2.f})})[0], {3, 6});
}

// A custom layer inside a Sequential inside a Sequential: custom_objects reach it (they used to
// stop at the outer model, although the error message recommends exactly them).
TEST(LayerRegistry, CustomObjectsReachLayersOfNestedSequentialModels) {
  auto inner = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Scale>(2.0), std::make_shared<Dense>(2)});
  auto outer = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(3, layers::DenseOptions{.layer = {.input_shape = Shape{4}}}), inner});
  json serialized = serialize_layer(*outer);
  expect_error<ValueError>([&] { layer_from_config(serialized); }, "unknown layer class 'Scale'");
  auto rebuilt = std::dynamic_pointer_cast<Sequential>(layer_from_config(serialized, kCustom));
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_EQ(serialize_layer(*rebuilt), serialized);
  rebuilt->set_weights(outer->get_weights());
  Tensor x = constant({{1.f, -2.f, 3.f, 0.5f}});
  expect_values((*rebuilt)(x), (*outer)(x).to_vector<double>(), 1e-6);
}

TEST(LayerRegistry, CustomObjectsReachLayersOfNestedFunctionalModels) {
  clear_session();
  KerasTensor in = Input(Shape{3});
  KerasTensor scaled = (*std::make_shared<Scale>(-1.5))(in);
  auto inner = make_model({in}, {(*std::make_shared<Dense>(2))(scaled)}, "inner");
  KerasTensor x = Input(Shape{3});
  auto outer = make_model({x}, {(*std::make_shared<Dense>(1))((*inner)(x))}, "outer");
  json serialized = serialize_layer(*outer);
  expect_error<ValueError>([&] { layer_from_config(serialized); }, "unknown layer class 'Scale'");
  std::shared_ptr<Layer> rebuilt = layer_from_config(serialized, kCustom);
  auto model = std::dynamic_pointer_cast<Functional>(rebuilt);
  ASSERT_NE(model, nullptr);
  model->set_weights(outer->get_weights());
  Tensor v = constant({{1.f, 2.f, 3.f}, {-1.f, 0.f, 4.f}});
  expect_values((*model)(v), (*outer)(v).to_vector<double>(), 1e-6);
}

// keras.utils.custom_object_scope: classes in scope are found without passing them again, and
// only while the scope lives.
TEST(LayerRegistry, CustomObjectScopeLastsItsLifetime) {
  json serialized = serialize_layer(Scale(0.5));
  {
    CustomObjectScope scope(kCustom);
    EXPECT_NE(std::dynamic_pointer_cast<Scale>(layer_from_config(serialized)), nullptr);
  }
  expect_error<ValueError>([&] { layer_from_config(serialized); }, "unknown layer class 'Scale'");
}

}  // namespace
}  // namespace tandem
