// Calling layers as Keras writes it: a temporary layer on symbolic inputs boxes itself.
#include "tandem/layers/layer.h"

#include <gtest/gtest.h>

#include "tandem/tandem.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;

// A custom layer that is not registered: it cannot be boxed, and says how to fix that.
class Unregistered : public Layer {
 public:
  Unregistered() : Layer("Unregistered", {}) {}

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override { return inputs; }
};

TEST(ComputeOutputShape, WithoutAFormulaTheLayerRunsOnPlaceholders) {
  // Unregistered defines no compute_output_shape: shapes and dtypes come from one call on zeros,
  // which builds it; only an unknown batch can stay unknown there.
  auto layer = std::make_shared<Unregistered>();
  std::vector<OutputSpec> specs = layer->infer_output_spec({Shape{-1, 4}}, {int32});
  EXPECT_TRUE(layer->built());
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].shape, (Shape{-1, 4}));
  EXPECT_EQ(specs[0].dtype, int32);
  EXPECT_EQ(layer->compute_output_shape({Shape{-1, -1}}), (std::vector<Shape>{{-1, 1}}));
}

TEST(ComputeOutputShape, WithAFormulaNothingRunsAndDtypesFollowTheLayer) {
  layers::Dense dense(3, {.layer = {.dtype = float64}});
  std::vector<OutputSpec> specs = dense.infer_output_spec({Shape{-1, 5}}, {float64});
  EXPECT_TRUE(dense.built());
  EXPECT_EQ(dense.count_params(), 18);
  EXPECT_EQ(specs[0].shape, (Shape{-1, 3}));
  EXPECT_EQ(specs[0].dtype, float64);  // computed in its input's dtype
  layers::Embedding embedding(10, 4);
  specs = embedding.infer_output_spec({Shape{-1, 7}}, {int64});
  EXPECT_EQ(specs[0].shape, (Shape{-1, 7, 4}));
  EXPECT_EQ(specs[0].dtype, float32);  // rows of its float32 embeddings
  // infer_output_spec checks the inputs as a call does.
  expect_error<ShapeError>(
      [&] {
        dense.infer_output_spec({Shape{-1, 6}}, {float64});
      },
      "expected input last dimension 5, received [?,6]");
  expect_error<ValueError>(
      [&] {
        dense.infer_output_spec({Shape{-1, 5}}, {float64, float64});
      },
      "received 1 input shapes but 2 input dtypes");
}

TEST(LayerCall, TemporaryLayersBoxThemselves) {
  clear_session();
  KerasTensor in = Input(Shape{4});
  KerasTensor h = layers::Dense(8, {.activation = "relu"})(in);
  KerasTensor a = layers::Dense(3)(h);
  KerasTensor b = layers::Dense(3)(h);
  KerasTensor merged = layers::Concatenate()({a, b});
  KerasTensor out = layers::Dense(2, {.layer = {.name = "head"}})(merged);
  auto model = make_model({in}, {out});
  EXPECT_EQ(model->get_layer(1)->name(), "dense");
  EXPECT_EQ(model->get_layer(1)->class_name(), "Dense");
  EXPECT_EQ(model->get_layer("head")->count_params(), 6 * 2 + 2);
  EXPECT_EQ(model->count_params(), (4 * 8 + 8) + 2 * (8 * 3 + 3) + (6 * 2 + 2));
  Tensor y = (*model)(ones(Shape{5, 4}));
  EXPECT_EQ(y.shape(), (Shape{5, 2}));
  // The boxed layer is the one the graph runs: the same weights on a second call.
  testing::expect_values(y, (*model)(ones(Shape{5, 4})).to_vector<double>());

  // Eager calls on a temporary need no owner.
  EXPECT_EQ(layers::Dense(5)(ones(Shape{2, 3})).shape(), (Shape{2, 5}));
}

TEST(LayerCall, WhatCannotBeBoxedSaysHow) {
  clear_session();
  KerasTensor in = Input(Shape{4});
  expect_error<ValueError>([&] { Unregistered()(in); }, "register it with TANDEM_REGISTER_LAYER");
  layers::Dense on_the_stack(3);
  expect_error<ValueError>([&] { on_the_stack(in); }, "must be held by std::shared_ptr");
  // A shared layer moved as an rvalue keeps its owner.
  auto shared = std::make_shared<layers::Dense>(3);
  KerasTensor out = std::move(*shared)(in);
  EXPECT_EQ(out.node()->layer, shared);
}

}  // namespace
}  // namespace tandem
