#include "tandem/models/functional.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tandem/layers/core/dense.h"
#include "tandem/layers/merging/concatenate.h"
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
