#include "tandem/models/sequential.h"

#include <gtest/gtest.h>

#include "tandem/layers/activation/relu.h"
#include "tandem/layers/convolutional/conv2d.h"
#include "tandem/layers/core/dense.h"
#include "tandem/layers/pooling/pooling2d.h"
#include "tandem/layers/registry.h"
#include "tandem/layers/reshaping/reshape.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

using layers::Dense;
using layers::ReLU;
using testing::expect_error;
using testing::expect_values;

std::shared_ptr<Sequential> mlp(const std::vector<int64_t>& units, bool use_bias = true) {
  auto model = std::make_shared<Sequential>();
  for (int64_t u : units)
    model->add(std::make_shared<Dense>(u, layers::DenseOptions{.use_bias = use_bias}));
  return model;
}

TEST(Sequential, ParameterCountsAgreeWithKeras) {
  clear_session();
  auto small = std::make_shared<Sequential>(
      std::vector<std::shared_ptr<Layer>>{std::make_shared<Dense>(3), std::make_shared<ReLU>(),
                                          std::make_shared<Dense>(3), std::make_shared<ReLU>()});
  small->build(Shape{-1, 3});
  EXPECT_EQ(small->count_params(), 24);  // 12 + 12
  small->get_layer(0);
  auto wider = std::make_shared<Sequential>(
      std::vector<std::shared_ptr<Layer>>{std::make_shared<Dense>(3), std::make_shared<ReLU>(),
                                          std::make_shared<Dense>(3), std::make_shared<ReLU>()});
  wider->build(Shape{-1, 4});
  EXPECT_EQ(wider->count_params(), 27);  // 15 + 12

  auto big = mlp({256, 128, 64, 32, 10});
  big->build(Shape{-1, 784});
  EXPECT_EQ(big->count_params(), 244522);
  auto no_bias = mlp({256, 128, 64, 32, 10}, false);
  no_bias->build(Shape{-1, 784});
  EXPECT_EQ(no_bias->count_params(), 244032);
}

TEST(Sequential, CnnBuildsSummarisesCallsAndDifferentiates) {
  clear_session();
  // Conv2D-MaxPool-Conv2D-MaxPool-Flatten-Dense on 28x28x1: Keras counts 320 + 18,496 + 16,010.
  auto cnn = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Conv2D>(
          32, 3,
          layers::Conv2DOptions{.activation = "relu", .layer = {.input_shape = Shape{28, 28, 1}}}),
      std::make_shared<layers::MaxPooling2D>(),
      std::make_shared<layers::Conv2D>(64, 3, layers::Conv2DOptions{.activation = "relu"}),
      std::make_shared<layers::MaxPooling2D>(), std::make_shared<layers::Flatten>(),
      std::make_shared<Dense>(10, layers::DenseOptions{.activation = "softmax"})});
  EXPECT_EQ(cnn->count_params(), 34826);
  std::string summary = cnn->summary_string();
  EXPECT_NE(summary.find(" conv2d (Conv2D)             (None, 26, 26, 32)        320"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find(" flatten (Flatten)           (None, 1600)              0"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("Total params: 34,826"), std::string::npos) << summary;
  Tensor images = random_uniform(Shape{2, 28, 28, 1}, {.seed = 4});
  GradientTape tape;
  Tensor probs = (*cnn)(images);
  expect_values(reduce_sum(probs, {.axis = std::vector<int64_t>{1}}), {1.0, 1.0}, 1e-5);
  auto grads = tape.gradient(reduce_sum(square(probs)), cnn->trainable_weights());
  ASSERT_EQ(grads.size(), 6u);
  for (const auto& g : grads) EXPECT_TRUE(g.has_value());
}

// A custom layer that defines compute_output_shape (so nothing calls it to learn its shape).
class Projection : public Layer {
 public:
  explicit Projection(int64_t units, LayerOptions options = {})
      : Layer("Projection", options), units_(units) {}
  void build(const std::vector<Shape>& input_shapes) override {
    kernel_ = add_weight("kernel", Shape{input_shapes[0][1], units_});
    Layer::build(input_shapes);
  }
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override {
    return {Shape{input_shapes[0][0], units_}};
  }
  int calls = 0;

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    ++calls;
    return {matmul(inputs[0], kernel_.value())};
  }

 private:
  int64_t units_;
  Variable kernel_;
};

TEST(Sequential, CustomLayerWithComputeOutputShapeIsBuiltWithTheModel) {
  clear_session();
  auto first = std::make_shared<Projection>(4, LayerOptions{.input_shape = Shape{3}});
  auto second = std::make_shared<Projection>(2);
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{first, second});
  // Built by the model's build (input_shape given), before any call, and without calling them.
  EXPECT_TRUE(first->built());
  EXPECT_TRUE(second->built());
  EXPECT_EQ(first->calls + second->calls, 0);
  EXPECT_EQ(first->count_params(), 12);
  EXPECT_EQ(model->count_params(), 12 + 8);
  std::string summary = model->summary_string();
  EXPECT_NE(summary.find(" projection (Projection)     (None, 4)                 12"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find(" projection_1 (Projection)   (None, 2)                 8"),
            std::string::npos)
      << summary;
  // A layer added to the built model is built at once too.
  auto third = std::make_shared<Projection>(5);
  model->add(third);
  EXPECT_EQ(third->count_params(), 10);
  EXPECT_EQ(model->compute_output_shape({Shape{-1, 3}}), (std::vector<Shape>{{-1, 5}}));
  EXPECT_EQ((*model)(ones(Shape{2, 3})).shape(), (Shape{2, 5}));
  EXPECT_EQ(first->calls, 1);
}

TEST(Sequential, UnknownDimensionsStayUnknown) {
  clear_session();
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<layers::Conv2D>(
          4, 3,
          layers::Conv2DOptions{.padding = "same", .layer = {.input_shape = Shape{-1, 6, 2}}}),
      std::make_shared<layers::MaxPooling2D>(), std::make_shared<layers::Flatten>()});
  std::string summary = model->summary_string();
  EXPECT_NE(summary.find(" conv2d (Conv2D)             (None, None, 6, 4)        76"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find(" max_pooling2d (MaxPooling2D  (None, None, 3, 4)       0"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find(" flatten (Flatten)           (None, None)              0"),
            std::string::npos)
      << summary;
  EXPECT_EQ((*model)(zeros(Shape{1, 4, 6, 2})).shape(), (Shape{1, 24}));
}

TEST(Sequential, SummaryMatchesKerasLayout) {
  clear_session();
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(3, layers::DenseOptions{.layer = {.input_shape = Shape{4}}}),
      std::make_shared<ReLU>(), std::make_shared<Dense>(3)});
  const std::string expected =
      "Model: \"sequential\"\n"
      "_________________________________________________________________\n"
      " Layer (type)                Output Shape              Param #   \n"
      "=================================================================\n"
      " dense (Dense)               (None, 3)                 15        \n"
      "                                                                 \n"
      " re_lu (ReLU)                (None, 3)                 0         \n"
      "                                                                 \n"
      " dense_1 (Dense)             (None, 3)                 12        \n"
      "                                                                 \n"
      "=================================================================\n"
      "Total params: 27\n"
      "Trainable params: 27\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  EXPECT_EQ(model->summary_string(), expected);
}

TEST(Sequential, FreezingMovesWeightsToNonTrainable) {
  auto model = mlp({256, 128, 64, 32, 10});
  model->build(Shape{-1, 784});
  model->layers()[0]->set_trainable(false);
  EXPECT_EQ(model->trainable_weights().size(), 8u);
  EXPECT_EQ(model->non_trainable_weights().size(), 2u);
  EXPECT_NE(model->summary_string().find("Non-trainable params: 200,960"), std::string::npos)
      << model->summary_string();
  model->set_trainable(false);
  EXPECT_TRUE(model->trainable_weights().empty());
  EXPECT_EQ(model->weights().size(), 10u);
}

TEST(Sequential, CallComputesDenseLayers) {
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(2, layers::DenseOptions{.activation = "relu"})});
  Tensor x = constant({{1.0f, 2.0f}, {-1.0f, 0.5f}});
  model->build(Shape{-1, 2});
  model->set_weights({constant({{1.0f, -1.0f}, {2.0f, 0.5f}}), constant({0.5f, 0.0f})});
  Tensor y = (*model)(x);
  // [1,2] @ W + b = [5.5, 0] ; [-1, .5] @ W + b = [0.5, 1.25]
  expect_values(y, {5.5, 0.0, 0.5, 1.25});
  EXPECT_EQ(model->weights()[0].name(), model->layers()[0]->name() + "/kernel");
}

TEST(Sequential, GradientsFlowToEveryWeight) {
  auto model = mlp({4, 3});
  Tensor x = random_normal(Shape{5, 6}, {.seed = 7});
  GradientTape tape;
  Tensor loss = reduce_sum(square((*model)(x)));
  auto grads = tape.gradient(loss, model->trainable_weights());
  ASSERT_EQ(grads.size(), 4u);
  for (size_t i = 0; i < grads.size(); ++i) {
    ASSERT_TRUE(grads[i].has_value()) << i;
    EXPECT_EQ(grads[i]->shape(), model->trainable_weights()[i].shape());
  }
}

TEST(Sequential, BadInputNamesLayerAndShapes) {
  clear_session();
  auto model = mlp({8, 8, 4});
  model->build(Shape{-1, 784});
  expect_error<ShapeError>(
      [&] {
        (*model)(zeros(Shape{32, 785}));
      },
      "Dense 'dense' expected input last dimension 784, received [32,785]");
  expect_error<ShapeError>([&] { (*model)(zeros(Shape{784})); },
                           "Dense 'dense' expected input of rank >= 2, received rank 1");
  expect_error<ValueError>([&] { model->get_layer("nope"); }, "no layer named 'nope'");
  expect_error<ValueError>([&] { Sequential().pop(); }, "pop() on an empty model");
  expect_error<ValueError>([&] { Dense(0); }, "Dense: expected units > 0, received 0");
}

TEST(Sequential, UniqueLayerNamesLikeKeras) {
  clear_session();
  Dense a(1), b(1);
  ReLU r;
  EXPECT_EQ(a.name(), "dense");
  EXPECT_EQ(b.name(), "dense_1");
  EXPECT_EQ(r.name(), "re_lu");
}

TEST(Sequential, ConfigRoundTripThroughRegistry) {
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          5, layers::DenseOptions{.activation = "tanh", .layer = {.input_shape = Shape{3}}}),
      std::make_shared<ReLU>(layers::ReLUOptions{.max_value = 6.0}),
      std::make_shared<Dense>(2, layers::DenseOptions{.use_bias = false})});
  json serialized = serialize_layer(*model);
  auto rebuilt = std::dynamic_pointer_cast<Sequential>(layer_from_config(serialized));
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_EQ(serialize_layer(*rebuilt), serialized);
  EXPECT_EQ(rebuilt->count_params(), model->count_params());
  rebuilt->set_weights(model->get_weights());
  Tensor x = random_normal(Shape{4, 3}, {.seed = 3});
  expect_values((*rebuilt)(x), (*model)(x).to_vector<double>(), 1e-6);
  expect_error<ValueError>(
      [] {
        layer_from_config({{"class_name", "Mystery"}, {"config", json::object()}});
      },
      "pass it in custom_objects");
}

}  // namespace
}  // namespace tandem
