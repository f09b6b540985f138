// What a training step adds beyond the compiled loss: model losses (regularization, add_loss),
// constraints after each update, add_metric values, and the names of multi-output losses/metrics.
#include <gtest/gtest.h>

#include "tandem/core/allocator.h"
#include "tandem/layers/core/dense.h"
#include "tandem/layers/core/input_layer.h"
#include "tandem/models/functional.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/reduction.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using layers::Dense;
using testing::expect_error;

TEST(TrainStep, RegularizationEntersTheLoss) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(
      std::make_shared<Dense>(1, layers::DenseOptions{.kernel_regularizer = regularizers::l2(0.5),
                                                      .layer = {.input_shape = Shape{2}}}));
  model->compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = random_normal(Shape{8, 2}, {.seed = 1});
  Tensor y = random_normal(Shape{8, 1}, {.seed = 2});
  Tensor kernel = model->get_weights()[0];
  double mse = reduce_mean(square((*model)(x)-y)).item<float>();
  double penalty = 0.5 * reduce_sum(square(kernel)).item<float>();
  Logs logs = model->test_on_batch({x}, {y});
  EXPECT_NEAR(logs.at("loss"), mse + penalty, 1e-5);
}

// A layer that adds a loss and a metric from its call, as Keras's add_loss / add_metric.
class ActivityLogger : public Layer {
 public:
  ActivityLogger() : Layer("ActivityLogger", {}) {}

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    add_loss(reduce_mean(square(inputs[0])) * 0.1);
    add_metric(reduce_mean(inputs[0]), "activation_mean");
    return inputs;
  }
};

TEST(TrainStep, AddLossAndAddMetricReachTheLogs) {
  clear_session();
  KerasTensor in = Input(Shape{2});
  KerasTensor h = (*std::make_shared<Dense>(3))(in);
  KerasTensor logged = (*std::make_shared<ActivityLogger>())(h);
  KerasTensor out = (*std::make_shared<Dense>(1))(logged);
  auto model = make_model({in}, {out});
  model->compile({.optimizer = "sgd", .loss = "mse"});
  Tensor x = random_normal(Shape{6, 2}, {.seed = 3});
  Tensor y = zeros(Shape{6, 1});
  Tensor hidden = (*model->get_layer(1))(x);
  double activity = 0.1 * reduce_mean(square(hidden)).item<float>();
  double mean = reduce_mean(hidden).item<float>();
  double mse = reduce_mean(square((*model)(x))).item<float>();
  Logs logs = model->test_on_batch({x}, {y});
  EXPECT_NEAR(logs.at("loss"), mse + activity, 1e-5);
  EXPECT_NEAR(logs.at("activation_mean"), mean, 1e-6);
  EXPECT_EQ(model->metrics_names(), (std::vector<std::string>{"loss", "activation_mean"}));
}

// A training step leaves its metric results as tensors in the logs (no host read per step); they
// are read, with the values of that step, when the logs are.
TEST(TrainStep, LogsReadMetricsOnlyWhenRead) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dense>(3, layers::DenseOptions{.layer = {.input_shape = Shape{4}}}));
  model->compile(
      {.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  Tensor x = random_normal(Shape{8, 4}, {.seed = 5});
  Tensor y = constant(std::vector<int32_t>{0, 1, 2, 0, 1, 2, 0, 1}, Shape{8});
  Logs logs = model->train_on_batch({x}, {y});
  EXPECT_EQ(logs.unread(), 2u);
  const double accuracy = model->metrics()[1]->result().item<float>();
  model->train_on_batch({x}, {y});  // the next step does not change the first step's logs
  EXPECT_EQ(logs.at("accuracy"), accuracy);
  EXPECT_GT(logs.at("loss"), 0.0);
  EXPECT_EQ(logs.unread(), 0u);
}

// Once its sizes have been seen, a training step takes every buffer from the caching allocator:
// no block comes from the system (core/allocator.h).
TEST(TrainStep, SteadyStateStepsAskTheSystemForNoMemory) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dense>(
      64, layers::DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{32}}}));
  model->add(std::make_shared<Dense>(10));
  model->compile(
      {.optimizer = "adam", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  Tensor x = random_normal(Shape{16, 32}, {.seed = 6});
  Tensor y = constant(std::vector<int32_t>(16, 3), Shape{16});
  for (int i = 0; i < 3; ++i) model->train_on_batch({x}, {y});
  const AllocatorStats before = cpu_allocator::stats();
  for (int i = 0; i < 5; ++i) model->train_on_batch({x}, {y}).at("loss");
  const AllocatorStats after = cpu_allocator::stats();
  EXPECT_EQ(after.system_allocations - before.system_allocations, 0);
  EXPECT_GT(after.allocations, before.allocations);  // the cache served them
}

TEST(TrainStep, ConstraintsHoldAfterEveryUpdate) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(
      std::make_shared<Dense>(4, layers::DenseOptions{.kernel_constraint = constraints::non_neg(),
                                                      .layer = {.input_shape = Shape{3}}}));
  model->compile({.optimizer = "sgd", .loss = "mse"});
  // Targets that pull every weight negative.
  Tensor x = abs(random_normal(Shape{32, 3}, {.seed = 4}));
  Tensor y = fill(Shape{32, 4}, -5.0);
  model->fit(x, y, {.epochs = 3, .verbose = 0});
  std::vector<float> kernel = model->get_weights()[0].to_vector<float>();
  for (float w : kernel) EXPECT_GE(w, 0.0f);
  EXPECT_EQ(*std::min_element(kernel.begin(), kernel.end()), 0.0f);  // some were clipped
}

TEST(Compile, MultiOutputLossesWeightsAndMetricNames) {
  clear_session();
  KerasTensor in = Input(Shape{2});
  KerasTensor a = (*std::make_shared<Dense>(1, layers::DenseOptions{.layer = {.name = "a"}}))(in);
  KerasTensor b = (*std::make_shared<Dense>(1, layers::DenseOptions{.layer = {.name = "b"}}))(in);
  auto model = make_model({in}, {a, b});
  model->compile({.optimizer = "sgd",
                  .loss = LossesByOutput{{"a", "mse"}, {"b", "mae"}},
                  .loss_weights = {{"a", 2.0}, {"b", 0.5}},
                  .metrics = MetricsByOutput{{"b", {"mse"}}}});
  Tensor x = random_normal(Shape{5, 2}, {.seed = 5});
  Tensor ya = random_normal(Shape{5, 1}, {.seed = 6});
  Tensor yb = random_normal(Shape{5, 1}, {.seed = 7});
  Tensors pred = model->predict(Tensors{x}, {.verbose = 0});
  ASSERT_EQ(pred.size(), 2u);
  double mse_a = reduce_mean(square(pred[0] - ya)).item<float>();
  double mae_b = reduce_mean(abs(pred[1] - yb)).item<float>();
  double mse_b = reduce_mean(square(pred[1] - yb)).item<float>();
  Logs logs = model->evaluate(Tensors{x}, Tensors{ya, yb}, {.verbose = 0});
  std::vector<std::string> keys;
  for (const auto& item : logs.items()) keys.push_back(item.first);
  EXPECT_EQ(keys, (std::vector<std::string>{"loss", "a_loss", "b_loss", "b_mse"}));
  EXPECT_NEAR(logs.at("a_loss"), mse_a, 1e-5);
  EXPECT_NEAR(logs.at("b_loss"), mae_b, 1e-5);
  EXPECT_NEAR(logs.at("loss"), 2.0 * mse_a + 0.5 * mae_b, 1e-5);
  EXPECT_NEAR(logs.at("b_mse"), mse_b, 1e-5);

  expect_error<ValueError>(
      [&] {
        model->compile({.loss = LossesByOutput{{"c", "mse"}}});
      },
      "outputs are [a, b]");
  expect_error<ValueError>([&] { model->compile({.loss = {"mse"}}); }, "one loss per output");
}

TEST(Compile, AccuracyResolvesFromTheShapes) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dense>(
      3, layers::DenseOptions{.activation = "softmax", .layer = {.input_shape = Shape{2}}}));
  model->compile(
      {.optimizer = "sgd", .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  Tensor x = constant(std::vector<float>{1, 0, 0, 1, 1, 1}, Shape{3, 2});
  Tensor labels = constant(std::vector<int32_t>{0, 1, 2}, Shape{3});
  Tensor pred = (*model)(x);
  std::vector<int64_t> arg = cast(argmax(pred, -1), int64).to_vector<int64_t>();
  double expected = 0;
  for (int i = 0; i < 3; ++i) expected += arg[i] == i ? 1.0 / 3 : 0.0;
  Logs logs = model->test_on_batch({x}, {labels});
  EXPECT_NEAR(logs.at("accuracy"), expected, 1e-6);  // sparse categorical accuracy
}

}  // namespace
}  // namespace tandem
