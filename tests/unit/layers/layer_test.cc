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
