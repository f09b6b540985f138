// fit / evaluate / predict on small problems with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "tandem/data/dataset.h"
#include "tandem/layers/core/dense.h"
#include "tandem/layers/core/input_layer.h"
#include "tandem/losses/regression.h"
#include "tandem/models/functional.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/random.h"
#include "tandem/ops/reduction.h"
#include "tandem/optimizers/sgd.h"
#include "tandem/training/callbacks/lambda_callback.h"
#include "testing/assertions.h"
#include "testing/fake_replica.h"

namespace tandem {
namespace {

using layers::Dense;
using testing::expect_error;

// y = x @ [2, -3] + 0.5 exactly: a linear model must recover these.
std::pair<Tensor, Tensor> linear_data(int64_t n, uint64_t seed = 1) {
  Tensor x = random_normal(Shape{n, 2}, {.seed = seed});
  Tensor w = constant(std::vector<float>{2.0f, -3.0f}, Shape{2, 1});
  return {x, matmul(x, w) + 0.5};
}

std::shared_ptr<Sequential> linear_model() {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dense>(1, layers::DenseOptions{.layer = {.input_shape = Shape{2}}}));
  return model;
}

TEST(Fit, LinearRegressionRecoversKnownWeights) {
  clear_session();
  set_random_seed(3);
  auto [x, y] = linear_data(256);
  auto model = linear_model();
  model->compile(
      {.optimizer = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.learning_rate = 0.1}),
       .loss = "mse"});
  History history = model->fit(x, y, {.batch_size = 32, .epochs = 30, .verbose = 0});
  std::vector<float> kernel = model->get_weights()[0].to_vector<float>();
  std::vector<float> bias = model->get_weights()[1].to_vector<float>();
  EXPECT_NEAR(kernel[0], 2.0f, 1e-3);
  EXPECT_NEAR(kernel[1], -3.0f, 1e-3);
  EXPECT_NEAR(bias[0], 0.5f, 1e-3);
  ASSERT_EQ(history["loss"].size(), 30u);
  EXPECT_LT(history["loss"].back(), 1e-5);
  EXPECT_GT(history["loss"].front(), history["loss"].back());
  EXPECT_EQ(history.epoch().front(), 0);
  EXPECT_EQ(history.epoch().back(), 29);
}

TEST(Evaluate, AgreesWithAManualComputation) {
  clear_session();
  auto [x, y] = linear_data(100, 7);
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse", .metrics = {"mae"}});
  model->build(Shape{-1, 2});
  Tensor pred = model->predict(x, {.batch_size = 16, .verbose = 0});
  double mse = reduce_mean(square(pred - y)).item<float>();
  double mae = reduce_mean(abs(pred - y)).item<float>();
  // Batches of 16 over 100 samples: the last batch is 4, and the means are per sample.
  Logs logs = model->evaluate(x, y, {.batch_size = 16, .verbose = 0});
  EXPECT_EQ(logs.items().size(), 2u);
  EXPECT_EQ(logs.items()[0].first, "loss");
  EXPECT_EQ(logs.items()[1].first, "mae");
  EXPECT_NEAR(logs.at("loss"), mse, 1e-4 * mse);
  EXPECT_NEAR(logs.at("mae"), mae, 1e-4 * mae);
  EXPECT_EQ(model->metrics_names(), (std::vector<std::string>{"loss", "mae"}));
}

TEST(Predict, BatchesAndConcatenates) {
  clear_session();
  auto model = linear_model();
  model->build(Shape{-1, 2});
  Tensor x = random_normal(Shape{37, 2}, {.seed = 5});
  Tensor all_at_once = (*model)(x);
  Tensor batched = model->predict(x, {.batch_size = 8, .verbose = 0});
  EXPECT_EQ(batched.shape(), (Shape{37, 1}));
  std::vector<float> expected = all_at_once.to_vector<float>();
  testing::expect_values(batched, std::vector<double>(expected.begin(), expected.end()), 1e-6);
}

TEST(Fit, ValidationSplitAndValidationDataGiveValEntries) {
  clear_session();
  auto [x, y] = linear_data(100);
  auto model = linear_model();
  model->compile({.optimizer = "adam", .loss = "mse", .metrics = {"mae"}});
  History h = model->fit(x, y, {.epochs = 2, .verbose = 0, .validation_split = 0.2});
  EXPECT_EQ(h.keys(), (std::vector<std::string>{"loss", "mae", "val_loss", "val_mae"}));
  // The held-out part is the last 20 samples: evaluating on them gives the last val_loss.
  Logs val = model->evaluate(x[{Slice(80, None)}], y[{Slice(80, None)}], {.verbose = 0});
  EXPECT_NEAR(h["val_loss"].back(), val.at("loss"), 1e-5);

  History every_other = model->fit(
      x, y,
      {.epochs = 4, .verbose = 0, .validation_data = ValidationData(x, y), .validation_freq = 2});
  EXPECT_EQ(every_other["loss"].size(), 4u);
  EXPECT_EQ(every_other["val_loss"].size(), 2u);  // epochs 2 and 4
}

TEST(Fit, InitialEpochStepsPerEpochAndStopTraining) {
  clear_session();
  auto [x, y] = linear_data(64);
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse"});
  int64_t batches = 0;
  auto counter = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_batch_end = [&](int64_t, Logs&) { ++batches; }});
  History h = model->fit(x, y,
                         {.batch_size = 8,
                          .epochs = 5,
                          .verbose = 0,
                          .callbacks = {counter},
                          .initial_epoch = 3,
                          .steps_per_epoch = 3});
  EXPECT_EQ(h.epoch(), (std::vector<int>{3, 4}));
  EXPECT_EQ(batches, 6);

  auto stopper =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](int epoch, Logs&) {
        if (epoch == 1) counter->model().set_stop_training(true);
      }});
  History stopped = model->fit(x, y, {.epochs = 10, .verbose = 0, .callbacks = {counter, stopper}});
  EXPECT_EQ(stopped.epoch().size(), 2u);
}

TEST(Fit, SampleAndClassWeightsChangeTheLoss) {
  clear_session();
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse"});
  model->build(Shape{-1, 2});
  Tensor x = constant(std::vector<float>{1, 0, 0, 1}, Shape{2, 2});
  Tensor y = constant(std::vector<float>{0, 1}, Shape{2, 1});
  Tensor pred = model->predict(x, {.verbose = 0});
  std::vector<float> p = pred.to_vector<float>();
  double e0 = p[0] * p[0], e1 = (p[1] - 1) * (p[1] - 1);
  Logs weighted = model->test_on_batch({x}, {y}, {constant(std::vector<float>{3, 1}, Shape{2})});
  EXPECT_NEAR(weighted.at("loss"), (3 * e0 + e1) / 2, 1e-5);
}

TEST(Fit, ProgressBarPrintsKerasLines) {
  clear_session();
  auto [x, y] = linear_data(64);
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse", .metrics = {"mae"}});
  ::testing::internal::CaptureStdout();
  model->fit(x, y, {.batch_size = 16, .epochs = 2, .verbose = 1});
  std::string out = ::testing::internal::GetCapturedStdout();
  // Not a terminal: one finished line per epoch, after Keras's "Epoch i/n" header.
  EXPECT_NE(out.find("Epoch 1/2\n4/4 [==============================] - "), std::string::npos)
      << out;
  EXPECT_NE(out.find("/step - loss: "), std::string::npos) << out;
  EXPECT_NE(out.find(" - mae: "), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

using testing::FakeReplica;

TEST(Fit, OnlyTheChiefReplicaDrawsTheProgressBar) {
  clear_session();
  auto [x, y] = linear_data(32);
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse"});
  History h;
  std::string rank1, rank0;
  {
    auto scope = distributed::scope(std::make_shared<FakeReplica>(1));
    ::testing::internal::CaptureStdout();
    h = model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 1});
    rank1 = ::testing::internal::GetCapturedStdout();
  }
  {
    auto scope = distributed::scope(std::make_shared<FakeReplica>(0));
    ::testing::internal::CaptureStdout();
    model->fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 1});
    rank0 = ::testing::internal::GetCapturedStdout();
  }
  EXPECT_EQ(rank1, "");
  EXPECT_EQ(h["loss"].size(), 2u);  // replica 1 still trains and records History
  // Each replica takes every other batch of 8: 2 of the 4.
  EXPECT_NE(rank0.find("Epoch 2/2\n2/2 [==="), std::string::npos) << rank0;
}

TEST(Fit, ErrorsNameWhatIsWrong) {
  clear_session();
  auto [x, y] = linear_data(10);
  auto model = linear_model();
  expect_error<ValueError>([&] { model->fit(x, y, {.verbose = 0}); }, "compile");
  model->compile({.optimizer = "sgd", .loss = "mse"});
  expect_error<ValueError>([&] { model->fit(x, y[{Slice(0, 5)}], {.verbose = 0}); },
                           "same number of samples");
  expect_error<ValueError>([&] { model->fit(x, y, {.verbose = 0, .validation_split = 1.5}); },
                           "validation_split");
  expect_error<ValueError>([] { optimizers::get("adamm"); }, "adamm");
}

TEST(Fit, OnADatasetWithValidationDatasetAndClassWeights) {
  clear_session();
  set_random_seed(11);
  auto [x, y] = linear_data(96);
  auto model = linear_model();
  model->compile(
      {.optimizer = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.learning_rate = 0.1}),
       .loss = "mse"});
  data::Dataset train = data::Dataset::from_tensor_slices(std::vector<Tensor>{x, y}).batch(16);
  data::Dataset val = data::Dataset::from_tensor_slices(std::vector<Tensor>{x, y}).batch(32);
  History h = model->fit(train, {.epochs = 20, .verbose = 0, .validation_data = val});
  EXPECT_EQ(h["val_loss"].size(), 20u);
  EXPECT_LT(h["loss"].back(), 1e-3);
  // The validation pass is an evaluate over the validation dataset.
  EXPECT_NEAR(h["val_loss"].back(), model->evaluate(val, {.verbose = 0}).at("loss"), 1e-6);

  // Named elements: the input and output names of the model key the components.
  std::vector<std::string> in = model->input_names(), out = model->output_names();
  data::Dataset named = data::Dataset::from_tensor_slices(
                            std::vector<std::pair<std::string, Tensor>>{{in[0], x}, {out[0], y}})
                            .batch(32);
  Logs by_name = model->evaluate(named, {.verbose = 0});
  EXPECT_NEAR(by_name.at("loss"), model->evaluate(x, y, {.verbose = 0}).at("loss"), 1e-6);
}

TEST(Fit, StepsPerEpochCarriesTheDatasetIteratorAcrossEpochs) {
  clear_session();
  auto [x, y] = linear_data(40);
  auto model = linear_model();
  model->compile({.optimizer = "sgd", .loss = "mse"});
  int64_t batches = 0;
  auto counter = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_batch_end = [&](int64_t, Logs&) { ++batches; }});
  // 5 batches in all: epochs of 2 batches run 2, 2, then 1 and the data is exhausted.
  data::Dataset ds = data::Dataset::from_tensor_slices(std::vector<Tensor>{x, y}).batch(8);
  History h =
      model->fit(ds, {.epochs = 5, .verbose = 0, .callbacks = {counter}, .steps_per_epoch = 2});
  EXPECT_EQ(batches, 5);
  EXPECT_EQ(h.epoch().size(), 3u);
  expect_error<ValueError>([&] { model->fit(ds.repeat(), {.epochs = 1, .verbose = 0}); },
                           "steps_per_epoch");
}

TEST(Fit, ClassWeightsWeighEachSamplesClass) {
  clear_session();
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dense>(
      3, layers::DenseOptions{.activation = "softmax", .layer = {.input_shape = Shape{2}}}));
  model->compile(
      {.optimizer = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.learning_rate = 0.0}),
       .loss = "sparse_categorical_crossentropy"});
  Tensor x = random_normal(Shape{4, 2}, {.seed = 9});
  Tensor labels = constant(std::vector<int32_t>{0, 1, 2, 1}, Shape{4});
  Tensor p = model->predict(x, {.verbose = 0});
  std::vector<float> probs = p.to_vector<float>();
  std::vector<int> cls = {0, 1, 2, 1};
  std::map<int64_t, double> weights = {{0, 1.0}, {1, 3.0}, {2, 0.5}};
  double total = 0;
  for (int i = 0; i < 4; ++i) total += weights[cls[i]] * -std::log(probs[i * 3 + cls[i]]);
  // The learning rate is 0, so the logged loss is the loss of the initial weights.
  History h = model->fit(
      x, labels, {.batch_size = 4, .verbose = 0, .shuffle = false, .class_weight = weights});
  EXPECT_NEAR(h["loss"][0], total / 4, 1e-5);
}

}  // namespace
}  // namespace tandem
