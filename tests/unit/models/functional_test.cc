#include "tandem/models/functional.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tandem/layers/convolutional/conv2d.h"
#include "tandem/layers/core/dense.h"
#include "tandem/layers/core/embedding.h"
#include "tandem/layers/merging/concatenate.h"
#include "tandem/layers/pooling/global_pooling2d.h"
#include "tandem/layers/pooling/pooling2d.h"
#include "tandem/layers/reshaping/zero_padding2d.h"
#include "tandem/models/clone_model.h"
#include "tandem/models/sequential.h"
#include "testing/gradient_check.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using layers::Concatenate;
using layers::Dense;
using layers::DenseOptions;
using testing::expect_error;
using testing::expect_values;

template <class L, class... Args>
std::shared_ptr<L> make(Args&&... args) {
  return std::make_shared<L>(std::forward<Args>(args)...);
}

TEST(Functional, WideAndDeepTwoInputsTwoOutputs) {
  clear_session();
  KerasTensor wide = Input(Shape{5}, {.name = "wide_input"});
  KerasTensor deep = Input(Shape{6}, {.name = "deep_input"});
  KerasTensor h1 = (*make<Dense>(30, DenseOptions{.activation = "relu"}))(deep);
  KerasTensor h2 = (*make<Dense>(30, DenseOptions{.activation = "relu"}))(h1);
  KerasTensor merged = layers::concatenate({wide, h2});
  KerasTensor main_out = (*make<Dense>(1, DenseOptions{.layer = {.name = "main_output"}}))(merged);
  KerasTensor aux_out = (*make<Dense>(1, DenseOptions{.layer = {.name = "aux_output"}}))(h2);
  auto model = make_model({wide, deep}, {main_out, aux_out}, "wide_deep");

  EXPECT_EQ(merged.shape(), (Shape{-1, 35}));
  EXPECT_EQ(model->count_params(), 210 + 930 + 36 + 31);
  Tensors out = (*model)(Tensors{ones(Shape{4, 5}), ones(Shape{4, 6})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape(), (Shape{4, 1}));
  EXPECT_EQ(out[1].shape(), (Shape{4, 1}));

  std::string summary = model->summary_string();
  EXPECT_NE(
      summary.find(" Layer (type)                   Output Shape         Param #     Connected to"),
      std::string::npos)
      << summary;
  EXPECT_NE(summary.find(" wide_input (InputLayer)        [(None, 5)]          0           []"),
            std::string::npos)
      << summary;
  // A two-input layer lists both inbound tensors, the second on its own line as Keras does.
  EXPECT_NE(summary.find("['wide_input[0][0]',"), std::string::npos) << summary;
  EXPECT_NE(summary.find(" 'dense_1[0][0]']"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Total params: 1,207"), std::string::npos) << summary;
}

TEST(Functional, SummaryKeepsUnknownImageSizesUnknown) {
  // Unknown height and width stay None through padding, convolution and pooling (no placeholder
  // size leaks in); the table is what tf.keras 2.x prints for this model.
  clear_session();
  KerasTensor in = Input(Shape{-1, -1, 3});
  KerasTensor x = (*make<layers::ZeroPadding2D>(1))(in);
  x = (*make<layers::Conv2D>(8, 3))(x);
  x = (*make<layers::MaxPooling2D>())(x);
  x = (*make<layers::GlobalAveragePooling2D>())(x);
  auto model = make_model({in}, {(*make<Dense>(10))(x)});
  const std::string expected =
      "Model: \"model\"\n"
      "_________________________________________________________________\n"
      " Layer (type)                Output Shape              Param #   \n"
      "=================================================================\n"
      " input_1 (InputLayer)        [(None, None, None, 3)]   0         \n"
      "                                                                 \n"
      " zero_padding2d (ZeroPadding  (None, None, None, 3)    0         \n"
      " 2D)                                                             \n"
      "                                                                 \n"
      " conv2d (Conv2D)             (None, None, None, 8)     224       \n"
      "                                                                 \n"
      " max_pooling2d (MaxPooling2D  (None, None, None, 8)    0         \n"
      " )                                                               \n"
      "                                                                 \n"
      " global_average_pooling2d (G  (None, 8)                0         \n"
      " lobalAveragePooling2D)                                          \n"
      "                                                                 \n"
      " dense (Dense)               (None, 10)                90        \n"
      "                                                                 \n"
      "=================================================================\n"
      "Total params: 314\n"
      "Trainable params: 314\n"
      "Non-trainable params: 0\n"
      "_________________________________________________________________\n";
  EXPECT_EQ(model->summary_string(), expected);
  // Any image size runs; the model's output shape for a known size is the real one.
  EXPECT_EQ((*model)(zeros(Shape{2, 9, 7, 3})).shape(), (Shape{2, 10}));
  EXPECT_EQ(model->compute_output_shape({Shape{-1, 9, 7, 3}}), (std::vector<Shape>{{-1, 10}}));
  EXPECT_EQ(model->get_layer(3)->compute_output_shape({Shape{2, 11, 9, 3}})[0],
            (Shape{2, 5, 4, 3}));
}

// x @ kernel, counting its calls: with compute_output_shape, or shapes inferred by calling it.
class CountingProjection : public Layer {
 public:
  CountingProjection(int64_t units, bool defines_output_shape)
      : Layer("CountingProjection", {}), units_(units), defines_(defines_output_shape) {}
  void build(const std::vector<Shape>& input_shapes) override {
    kernel_ = add_weight("kernel", Shape{input_shapes[0][1], units_});
    Layer::build(input_shapes);
  }
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override {
    if (!defines_) return Layer::compute_output_shape(input_shapes);
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
  bool defines_;
  Variable kernel_;
};

TEST(Functional, BuildingRunsNoKernelForLayersThatComputeOutputShapes) {
  auto defined = make<CountingProjection>(4, true);
  auto traced = make<CountingProjection>(2, false);
  KerasTensor in = Input(Shape{3});
  KerasTensor h = (*defined)(in);
  KerasTensor out = (*traced)(h);
  auto model = make_model({in}, {out});
  EXPECT_EQ(defined->calls, 0);  // built, shapes from compute_output_shape
  EXPECT_EQ(traced->calls, 1);   // no formula: one call on placeholders, as Keras traces call()
  EXPECT_EQ(h.shape(), (Shape{-1, 4}));
  EXPECT_EQ(out.shape(), (Shape{-1, 2}));
  EXPECT_EQ(model->count_params(), 3 * 4 + 4 * 2);
  // Reusing the model on symbolic inputs (nesting it) goes through compute_output_shape too.
  KerasTensor outer_in = Input(Shape{3});
  KerasTensor outer_out = (*model)(outer_in);
  EXPECT_EQ(outer_out.shape(), (Shape{-1, 2}));
  EXPECT_EQ(defined->calls, 0);
  EXPECT_EQ(traced->calls, 2);
  // A real call runs both.
  EXPECT_EQ((*model)(ones(Shape{5, 3})).shape(), (Shape{5, 2}));
  EXPECT_EQ(defined->calls, 1);
}

TEST(Functional, OutputDtypesFollowTheLayers) {
  KerasTensor ids = Input(Shape{4}, {.dtype = int32});
  KerasTensor vectors = (*make<layers::Embedding>(10, 3))(ids);
  EXPECT_EQ(vectors.dtype(), float32);
  EXPECT_EQ(vectors.shape(), (Shape{-1, 4, 3}));
  auto model = make_model({ids}, {vectors});
  std::vector<OutputSpec> specs = model->compute_output_spec({Shape{2, 4}}, {int32});
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].shape, (Shape{2, 4, 3}));
  EXPECT_EQ(specs[0].dtype, float32);
  expect_error<ShapeError>(
      [&] {
        model->compute_output_shape({Shape{2, 5}});
      },
      "expects shape (None, 4), received (2, 5)");
}

TEST(Functional, SharedLayerHasOneSetOfWeights) {
  auto shared = make<Dense>(4);
  KerasTensor a = Input(Shape{3});
  KerasTensor b = Input(Shape{3});
  KerasTensor sum = (*make<layers::Add>())(std::vector<KerasTensor>{(*shared)(a), (*shared)(b)});
  auto model = make_model({a, b}, {sum});
  EXPECT_EQ(model->trainable_weights().size(), 2u);
  EXPECT_EQ(shared->inbound_node_count(), 2);
  Tensor x = constant({{1.0f, 2.0f, 3.0f}});
  Tensor y = constant({{0.5f, -1.0f, 2.0f}});
  Tensor expected = (*shared)(x) + (*shared)(y);
  expect_values((*model)(Tensors{x, y})[0], expected.to_vector<double>(), 1e-6);
  EXPECT_NE(model->summary_string().find("multiple"), std::string::npos);
}

TEST(Functional, NestedModelAndGradients) {
  KerasTensor in = Input(Shape{4});
  auto inner =
      make<Sequential>(std::vector<std::shared_ptr<Layer>>{make<Dense>(3), make<Dense>(2)});
  KerasTensor out = (*make<Dense>(1))((*inner)(in));
  auto model = make_model({in}, {out});
  EXPECT_EQ(model->trainable_weights().size(), 6u);
  GradientTape tape;
  Tensor loss = reduce_sum(square((*model)(ones(Shape{2, 4}))));
  auto grads = tape.gradient(loss, model->trainable_weights());
  for (const auto& g : grads) EXPECT_TRUE(g.has_value());
  // A chain prints Keras's plain table.
  EXPECT_EQ(model->summary_string().find("Connected to"), std::string::npos);
}

TEST(Functional, DisconnectedGraphAndUnusedInputAreErrors) {
  KerasTensor a = Input(Shape{2}, {.name = "a"});
  KerasTensor b = Input(Shape{2}, {.name = "b"});
  KerasTensor from_b = (*make<Dense>(1))(b);
  expect_error<ValueError>([&] { make_model({a}, {from_b}); }, "Graph disconnected");
  KerasTensor from_a = (*make<Dense>(1))(a);
  expect_error<ValueError>(
      [&] {
        make_model({a, b}, {from_a});
      },
      "input 'b' is not connected to any output");
  expect_error<ValueError>([&] { make_model({from_a}, {from_a}); },
                           "inputs must be tensors returned by Input()");
}

TEST(Functional, InputChecksAtCallTime) {
  KerasTensor in = Input(Shape{3}, {.name = "features"});
  auto model = make_model({in}, {(*make<Dense>(2))(in)});
  expect_error<ShapeError>(
      [&] {
        (*model)(ones(Shape{2, 4}));
      },
      "input 'features' expects shape (None, 3), received (2, 4)");
  expect_error<TypeError>(
      [&] {
        (*model)(ones(Shape{2, 3}, float64));
      },
      "expected input dtype float32");
  expect_error<ValueError>(
      [&] {
        (*model)(Tensors{ones(Shape{2, 3}), ones(Shape{2, 3})});
      },
      "expects 1 inputs, received 2");
}

TEST(Functional, ConfigRoundTripCloneAndPlot) {
  clear_session();
  KerasTensor a = Input(Shape{3}, {.name = "a"});
  KerasTensor b = Input(Shape{2}, {.name = "b"});
  auto shared = make<Dense>(4, DenseOptions{.activation = "relu"});
  KerasTensor ha = (*shared)((*make<Dense>(2))(a));
  KerasTensor hb = (*shared)(b);
  KerasTensor out = (*make<Concatenate>())(std::vector<KerasTensor>{ha, hb});
  auto model = make_model({a, b}, {out}, "graph");

  json config = serialize_layer(*model);
  EXPECT_EQ(config["config"]["input_layers"], json::parse(R"([["a", 0, 0], ["b", 0, 0]])"));
  std::shared_ptr<Model> clone = clone_model(*model);
  EXPECT_EQ(serialize_layer(*clone), config);
  EXPECT_EQ(clone->count_params(), model->count_params());
  clone->set_weights(model->get_weights());
  Tensors xs = {random_normal(Shape{2, 3}, {.seed = 1}), random_normal(Shape{2, 2}, {.seed = 2})};
  expect_values((*clone)(xs)[0], (*model)(xs)[0].to_vector<double>(), 1e-6);

  std::string dot = model_to_dot(*model, {.show_shapes = true});
  EXPECT_NE(dot.find("\"dense\" -> \"concatenate\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("\"b\" -> \"dense\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("output: (None, 8)"), std::string::npos) << dot;
  testing::TempDir dir;  // a fresh directory: no leftover or foreign graph.dot in /tmp to trip on
  std::string path = dir.file("graph.dot");
  plot_model(*model, path);
  std::ifstream in(path);
  std::stringstream written;
  written << in.rdbuf();
  EXPECT_EQ(written.str(), model_to_dot(*model));
  expect_error<IOError>([&] { plot_model(*model, "/nonexistent-dir/x.dot"); }, "cannot write");
}

}  // namespace
}  // namespace tandem
