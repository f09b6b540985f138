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

// ---- dtypes: Keras's autocast in the one call path ----

Tensor int_matrix() { return constant(std::vector<int32_t>{1, 2, 3, 4, 5, 6}, Shape{2, 3}); }

TEST(LayerDtype, FloatingInputsAreCastToTheComputeDtype) {
  layers::Dense dense(2);
  Tensor x64 =
      Tensor::from_vector(std::vector<double>{0.1, -0.7, 1.3, 2.25, 0.5, -1.5}, Shape{2, 3});
  Tensor out = dense(x64);
  EXPECT_EQ(dense.compute_dtype(), float32);
  EXPECT_EQ(dense.variable_dtype(), float32);
  EXPECT_EQ(out.dtype(), float32);  // computed in float32, as Keras casts the input
  EXPECT_EQ(dense.kernel().dtype(), float32);
  testing::expect_values(out, dense(cast(x64, float32)).to_vector<double>(), 0.0);
  EXPECT_EQ(dense(cast(x64, float16)).dtype(), float32);

  // A float64 layer computes float32 inputs in float64.
  layers::Dense wide(2, {.layer = {.dtype = float64}});
  EXPECT_EQ(wide(cast(x64, float32)).dtype(), float64);

  // Symbolically too: the KerasTensor after the layer has the compute dtype.
  KerasTensor in = Input(Shape{3}, {.dtype = float64});
  EXPECT_EQ(layers::Dense(4)(in).dtype(), float32);

  // The cast is on the tape: the gradient reaches the float64 input, in float64.
  Variable watched(x64);
  GradientTape tape;
  Tensor loss = reduce_sum(dense(watched.value()));
  std::optional<Tensor> grad = tape.gradient(loss, std::vector<Variable>{watched})[0];
  ASSERT_TRUE(grad.has_value());
  EXPECT_EQ(grad->dtype(), float64);
  Tensor row_sums = reduce_sum(dense.kernel().value(), {.axis = std::vector<int64_t>{1}});
  std::vector<double> expected;
  for (int row = 0; row < 2; ++row)
    for (float v : row_sums.to_vector<float>()) expected.push_back(v);
  testing::expect_values(*grad, expected, 1e-6);
}

TEST(LayerDtype, IntegerInputsToFloatingWeightsAreTypeErrors) {
  layers::Dense dense(2, {.layer = {.name = "scores"}});
  expect_error<TypeError>(
      [&] { dense(int_matrix()); },
      "Dense 'scores' computes in float32 and expected a floating input, received int32: cast it "
      "first (cast(x, float32))");
  // Cast by the user, it computes as the float input does.
  EXPECT_EQ(dense(cast(int_matrix(), float32)).dtype(), float32);

  KerasTensor ids = Input(Shape{3}, {.dtype = int32});
  expect_error<TypeError>([&] { layers::Dense(4, {.layer = {.name = "proj"}})(ids); },
                          "Dense 'proj' computes in float32 and expected a floating input, "
                          "received int32");
  layers::Conv2D conv(2, 3, {.layer = {.name = "conv"}});
  expect_error<TypeError>(
      [&] {
        conv(zeros(Shape{1, 4, 4, 1}, int32));
      },
      "Conv2D 'conv' computes in float32");
  layers::LSTM lstm(2, {.layer = {.name = "lstm"}});
  expect_error<TypeError>([&] { lstm(zeros(Shape{1, 3, 2}, int64)); }, "received int64");
  layers::BatchNormalization bn({.layer = {.name = "bn"}});
  expect_error<TypeError>(
      [&] {
        bn(zeros(Shape{2, 3}, uint8));
      },
      "BatchNormalization 'bn' computes in float32 and expected a floating "
      "input, received uint8");
}

TEST(LayerDtype, IntegerLayersAndGraphModelsAreLeftAlone) {
  // Embedding takes integer ids (Keras's autocast=False).
  layers::Embedding embedding(10, 2);
  EXPECT_FALSE(embedding.autocast());
  Tensor ids = constant(std::vector<int32_t>{1, 7}, Shape{2});
  Tensor vectors = embedding(ids);
  EXPECT_EQ(vectors.dtype(), float32);
  testing::expect_values(vectors, gather(embedding.get_weights()[0], ids).to_vector<double>(), 0.0);

  // A layer without weights passes integers through, as Keras's Reshape does.
  EXPECT_EQ(layers::Flatten()(zeros(Shape{2, 2, 2}, int32)).dtype(), int32);

  // Graph models leave casting to their layers: float64 layers in a (float32) Sequential
  // compute float64 inputs in float64.
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Dense>(2, layers::DenseOptions{.layer = {.dtype = float64}})});
  EXPECT_FALSE(model->autocast());
  Tensor x64 = Tensor::from_vector(std::vector<double>{1.0 / 3.0, 2.0 / 3.0}, Shape{1, 2});
  Tensor out = (*model)(x64);
  EXPECT_EQ(out.dtype(), float64);
  Tensor kernel = model->get_weights()[0];
  double expected = x64.to_vector<double>()[0] * kernel.to_vector<double>()[0] +
                    x64.to_vector<double>()[1] * kernel.to_vector<double>()[2];
  EXPECT_DOUBLE_EQ(out.to_vector<double>()[0], expected);
}

}  // namespace
}  // namespace tandem
