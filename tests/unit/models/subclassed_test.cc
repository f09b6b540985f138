// Subclassed models and custom layers: the Keras patterns written in C++.
#include <gtest/gtest.h>

#include "tandem/tandem.h"
#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::Dense;
using layers::DenseOptions;
using testing::expect_values;

// A custom layer with its own build/call/get_config: a Dense without bias followed by ReLU.
class DenseReLU : public Layer {
 public:
  explicit DenseReLU(int64_t units, LayerOptions options = {})
      : Layer("DenseReLU", options), units_(units) {}
  static std::shared_ptr<Layer> from_config(const json& config) {
    return std::make_shared<DenseReLU>(config.at("units").get<int64_t>(),
                                       options_from_config(config));
  }
  void build(const std::vector<Shape>& input_shapes) override {
    kernel_ = add_weight("kernel", Shape{input_shapes[0][1], units_});
    Layer::build(input_shapes);
  }
  json get_config() const override {
    json config = Layer::get_config();
    config["units"] = units_;
    return config;
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {relu(matmul(inputs[0], kernel_))};
  }

 private:
  int64_t units_;
  Variable kernel_;
};
TANDEM_REGISTER_LAYER(DenseReLU);

// x + W2 relu(W1 x): one block, reused.
class ResidualBlock : public Layer {
 public:
  explicit ResidualBlock(int64_t width) : Layer("ResidualBlock", {}) {
    hidden_ = track("hidden", std::make_shared<Dense>(width, DenseOptions{.activation = "relu"}));
    out_ = track("out", std::make_shared<Dense>(width));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {inputs[0] + (*out_)((*hidden_)(inputs[0]))};
  }

 private:
  std::shared_ptr<Dense> hidden_, out_;
};

// The Keras guide's ResidualRegressor: a loop that applies the same block four times.
class ResidualRegressor : public Model {
 public:
  explicit ResidualRegressor(int64_t width) : Model("ResidualRegressor", {}) {
    input_ = track("input_proj", std::make_shared<Dense>(width));
    block_ = track("block", std::make_shared<ResidualBlock>(width));
    head_ = track("head", std::make_shared<Dense>(1));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    Tensor h = (*input_)(inputs[0]);
    for (int i = 0; i < 4; ++i) h = (*block_)(h);
    return {(*head_)(h)};
  }

 private:
  std::shared_ptr<Dense> input_, head_;
  std::shared_ptr<ResidualBlock> block_;
};

TEST(Subclassed, ResidualRegressorReusesItsBlockAndTrains) {
  clear_session();
  // Seeded weights: the block runs four times, and about 1 initialisation in 100 makes plain SGD at
  // this rate diverge (loss 1.9 -> 13.6 -> 750 -> NaN), which made the unseeded test flaky.
  set_random_seed(1);
  auto model = std::make_shared<ResidualRegressor>(8);
  Tensor x = random_normal(Shape{32, 3}, {.seed = 1});
  Tensor y = reduce_sum(x, {.axis = std::vector<int64_t>{1}, .keepdims = true});
  Tensor first_loss = reduce_mean(square((*model)(x)-y));
  // One set of block weights though the block runs four times: 3*8+8 + 2*(8*8+8) + 8+1.
  EXPECT_EQ(model->count_params(), 32 + 144 + 9);
  EXPECT_EQ(model->trainable_weights().size(), 8u);
  double loss = 0;
  for (int step = 0; step < 200; ++step) {
    GradientTape tape;
    Tensor l = reduce_mean(square((*model)(x)-y));
    auto grads = tape.gradient(l, model->trainable_weights());
    auto weights = model->trainable_weights();
    for (size_t i = 0; i < weights.size(); ++i) weights[i].assign_sub(*grads[i] * 0.002);
    loss = l.item<float>();
  }
  EXPECT_LT(loss, 0.2 * first_loss.item<float>()) << "first " << first_loss.item<float>();
  std::string summary = model->summary_string();
  // Keras wraps a long "name (Type)" inside its column.
  EXPECT_NE(summary.find(" residual_block (ResidualBlo  multiple                 144"),
            std::string::npos)
      << summary;
}

TEST(Subclassed, CustomLayerBuildCallConfig) {
  check_layer_conformance(testing::LayerCase{
      .make = [] { return std::make_shared<DenseReLU>(3, LayerOptions{.dtype = float64}); },
      .inputs = {Tensor::from_vector(std::vector<double>{0.3, -1.2, 0.8, 2.0, -0.4, 1.1},
                                     Shape{2, 3})},
      .expected_output_shapes = {Shape{-1, 3}},
      .check_gradients = false,  // relu kinks make numeric checks of random weights fragile
      .shapes_by_call = true});  // no compute_output_shape: shapes from a placeholder call
  DenseReLU layer(2);
  Tensor out = layer(constant({{1.0f, 2.0f}}));
  EXPECT_EQ(layer.weights().size(), 1u);
  EXPECT_EQ(out.shape(), (Shape{1, 2}));
  for (float v : out.to_vector<float>()) EXPECT_GE(v, 0.0f);
}

// A layer that adds a reconstruction loss from inside call(), as Keras's add_loss.
class Reconstruct : public Layer {
 public:
  Reconstruct() : Layer("Reconstruct", {}) {
    encode_ = track("encode", std::make_shared<Dense>(2));
    decode_ = track("decode", std::make_shared<Dense>(4));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    Tensor code = (*encode_)(inputs[0]);
    add_loss(reduce_mean(square((*decode_)(code)-inputs[0])));
    return {code};
  }

 private:
  std::shared_ptr<Dense> encode_, decode_;
};

TEST(Subclassed, AddLossFromCallEntersTheGradient) {
  auto layer = std::make_shared<Reconstruct>();
  Tensor x = random_normal(Shape{8, 4}, {.seed = 5});
  GradientTape tape;
  Tensor code = (*layer)(x);
  ASSERT_EQ(layer->losses().size(), 1u);
  Tensor total = reduce_sum(code) * 0.0 + layer->losses()[0];
  auto grads = tape.gradient(total, layer->trainable_weights());
  // The decoder only influences the reconstruction loss: its gradient proves the loss is wired in.
  ASSERT_EQ(grads.size(), 4u);
  ASSERT_TRUE(grads[2].has_value());
  EXPECT_GT(reduce_sum(abs(*grads[2])).item<float>(), 0.0f);
  // Symbolic shape inference does not leave a loss behind.
  auto fresh = std::make_shared<Reconstruct>();
  fresh->compute_output_shape({Shape{-1, 4}});
  EXPECT_TRUE(fresh->losses().empty());
}

TEST(Subclassed, FreezePretrainedBaseAndAddHead) {
  clear_session();
  auto base = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          16, DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{8}}}),
      std::make_shared<Dense>(16, DenseOptions{.activation = "relu"})});
  base->set_trainable(false);
  KerasTensor in = Input(Shape{8});
  KerasTensor out = (*std::make_shared<Dense>(3))((*base)(in));
  auto model = make_model({in}, {out});
  EXPECT_EQ(model->trainable_weights().size(), 2u);  // the head only
  EXPECT_EQ(model->non_trainable_weights().size(), 4u);
  std::string summary = model->summary_string();
  EXPECT_NE(summary.find("Trainable params: 51"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Non-trainable params: 416"), std::string::npos) << summary;
  GradientTape tape;
  Tensor loss = reduce_sum((*model)(ones(Shape{2, 8})));
  auto grads = tape.gradient(loss, model->trainable_weights());
  EXPECT_TRUE(grads[0].has_value());
}

// Two regression heads on one input: call() returns two tensors, which Keras names output_1 and
// output_2 for compile's lists and maps.
class TwoHeads : public Model {
 public:
  TwoHeads() : Model("TwoHeads", {}) {
    a_ = track("head_a", std::make_shared<Dense>(1));
    b_ = track("head_b", std::make_shared<Dense>(1));
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {(*a_)(inputs[0]), (*b_)(inputs[0])};
  }

 private:
  std::shared_ptr<Dense> a_, b_;
};

struct TwoHeadData {
  Tensor x = random_normal(Shape{16, 3}, {.seed = 11});
  Tensor ya = reduce_sum(x, {.axis = std::vector<int64_t>{1}, .keepdims = true});
  Tensor yb = ya * -2.0;
};

std::vector<std::string> log_keys(const Logs& logs) {
  std::vector<std::string> keys;
  for (const auto& item : logs.items()) keys.push_back(item.first);
  return keys;
}

TEST(SubclassedOutputs, NamesFollowTheResultsOfCall) {
  auto model = std::make_shared<TwoHeads>();
  EXPECT_EQ(model->output_names(), (std::vector<std::string>{"output_1"}));  // not called yet
  (*model)(Tensors{TwoHeadData().x});
  EXPECT_EQ(model->output_names(), (std::vector<std::string>{"output_1", "output_2"}));
}

TEST(SubclassedOutputs, ListOfLossesAndWeightsTrainsWithTheWeightedSum) {
  set_random_seed(3);
  auto model = std::make_shared<TwoHeads>();
  TwoHeadData d;
  // Compiled before the first call, as usual: the losses find their outputs on the first batch.
  model->compile({.optimizer = std::make_shared<optimizers::SGD>(
                      optimizers::SGDOptions{.learning_rate = 0.05}),
                  .loss = {"mse", "mae"},
                  .loss_weights = {1.0, 0.5},
                  .metrics = {"mae"}});
  Tensors pred = (*model)(Tensors{d.x});
  double mse_a = reduce_mean(square(pred[0] - d.ya)).item<float>();
  double mae_a = reduce_mean(abs(pred[0] - d.ya)).item<float>();
  double mae_b = reduce_mean(abs(pred[1] - d.yb)).item<float>();
  std::vector<Tensor> before = model->get_weights();

  // train_on_batch reports the loss of the weights it started from.
  Logs logs = model->train_on_batch({d.x}, {d.ya, d.yb});
  EXPECT_EQ(log_keys(logs), (std::vector<std::string>{"loss", "output_1_loss", "output_2_loss",
                                                      "output_1_mae", "output_2_mae"}));
  EXPECT_NEAR(logs.at("output_1_loss"), mse_a, 1e-5);
  EXPECT_NEAR(logs.at("output_2_loss"), mae_b, 1e-5);
  EXPECT_NEAR(logs.at("loss"), mse_a + 0.5 * mae_b, 1e-5);
  EXPECT_NEAR(logs.at("output_1_mae"), mae_a, 1e-5);
  EXPECT_NEAR(logs.at("output_2_mae"), mae_b, 1e-5);
  EXPECT_NE(model->get_weights()[0].to_vector<float>(), before[0].to_vector<float>());

  History history =
      model->fit(Tensors{d.x}, Tensors{d.ya, d.yb}, {.batch_size = 16, .epochs = 30, .verbose = 0});
  EXPECT_LT(history["loss"].back(), 0.5 * history["loss"].front());
  Logs evaluated = model->evaluate(Tensors{d.x}, Tensors{d.ya, d.yb}, {.verbose = 0});
  pred = (*model)(Tensors{d.x});
  double mse_now = reduce_mean(square(pred[0] - d.ya)).item<float>();
  double mae_now = reduce_mean(abs(pred[1] - d.yb)).item<float>();
  EXPECT_NEAR(evaluated.at("loss"), mse_now + 0.5 * mae_now, 1e-4);
  EXPECT_EQ(model->metrics_names(), log_keys(evaluated));
}

TEST(SubclassedOutputs, MapsKeyedByOutputNames) {
  auto model = std::make_shared<TwoHeads>();
  TwoHeadData d;
  model->compile({.optimizer = "sgd",
                  .loss = LossesByOutput{{"output_1", "mse"}, {"output_2", "mae"}},
                  .loss_weights = LossWeights{{"output_2", 0.25}},
                  .metrics = MetricsByOutput{{"output_2", {"mse"}}}});
  Logs logs = model->evaluate(Tensors{d.x}, Tensors{d.ya, d.yb}, {.verbose = 0});
  EXPECT_EQ(log_keys(logs),
            (std::vector<std::string>{"loss", "output_1_loss", "output_2_loss", "output_2_mse"}));
  Tensors pred = (*model)(Tensors{d.x});
  double mse_a = reduce_mean(square(pred[0] - d.ya)).item<float>();
  double mae_b = reduce_mean(abs(pred[1] - d.yb)).item<float>();
  EXPECT_NEAR(logs.at("loss"), mse_a + 0.25 * mae_b, 1e-4);
  EXPECT_NEAR(logs.at("output_2_mse"), reduce_mean(square(pred[1] - d.yb)).item<float>(), 1e-4);
}

TEST(SubclassedOutputs, WrongCountsAndNamesAreValueErrors) {
  TwoHeadData d;
  auto model = std::make_shared<TwoHeads>();
  model->compile({.optimizer = "sgd", .loss = {"mse", "mae", "mse"}});
  testing::expect_error<ValueError>(
      [&] {
        model->train_on_batch({d.x}, {d.ya, d.yb});
      },
      "expected one loss per output (2: [output_1, output_2]), received a list of 3");
  // Once called, compile knows the outputs and checks at once.
  testing::expect_error<ValueError>(
      [&] { model->compile({.loss = "mse", .loss_weights = {1.0}}); },
      "expected one loss weight per output (2: [output_1, output_2]), received a list of 1");
  testing::expect_error<ValueError>(
      [&] {
        model->compile({.loss = LossesByOutput{{"output_3", "mse"}}});
      },
      "outputs are [output_1, output_2]");
  // One loss for every output, as Keras broadcasts it.
  model->compile({.optimizer = "sgd", .loss = "mse"});
  Logs logs = model->evaluate(Tensors{d.x}, Tensors{d.ya, d.yb}, {.verbose = 0});
  EXPECT_EQ(log_keys(logs), (std::vector<std::string>{"loss", "output_1_loss", "output_2_loss"}));
  EXPECT_NEAR(logs.at("loss"), logs.at("output_1_loss") + logs.at("output_2_loss"), 1e-4);
}

TEST(SubclassedOutputs, DatasetsSplitByTheOutputsOfCall) {
  TwoHeadData d;
  // Tuples (x, y1, y2): the model has not run, so fit builds it from the first element to know
  // that call() returns two outputs (else y2 would be taken for a sample weight).
  auto model = std::make_shared<TwoHeads>();
  model->compile({.optimizer = "sgd", .loss = {"mse", "mae"}, .loss_weights = {1.0, 0.5}});
  data::Dataset tuples =
      data::Dataset::from_tensor_slices(std::vector<Tensor>{d.x, d.ya, d.yb}).batch(16);
  History history = model->fit(tuples, {.epochs = 1, .verbose = 0});
  EXPECT_EQ(history.keys(), (std::vector<std::string>{"loss", "output_1_loss", "output_2_loss"}));

  // Maps keyed by input_1 and the output names.
  auto fresh = std::make_shared<TwoHeads>();
  fresh->compile({.optimizer = "sgd", .loss = LossesByOutput{{"output_2", "mse"}}});
  data::Dataset named = data::Dataset::from_tensor_slices(
                            std::vector<std::pair<std::string, Tensor>>{
                                {"input_1", d.x}, {"output_1", d.ya}, {"output_2", d.yb}})
                            .batch(16);
  Logs logs = fresh->evaluate(named, {.verbose = 0});
  Tensors pred = (*fresh)(Tensors{d.x});
  EXPECT_EQ(log_keys(logs), (std::vector<std::string>{"loss", "output_2_loss"}));
  EXPECT_NEAR(logs.at("loss"), reduce_mean(square(pred[1] - d.yb)).item<float>(), 1e-4);
}

}  // namespace
}  // namespace tandem
