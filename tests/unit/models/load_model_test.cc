// models::load_model: architecture, weights and compile state come back, and training continues
// exactly where the saved model stopped (the next step's loss and weights equal, bit for bit).
#include "tandem/models/load_model.h"

#include <gtest/gtest.h>

#include "tandem/losses/loss_utils.h"
#include "tandem/models/saved_state.h"
#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/scale_layer.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using layers::Dense;
using layers::DenseOptions;
using testing::expect_error;
using testing::TempDir;

Tensor features(int64_t rows, int64_t cols, uint64_t seed) {
  return random_normal(Shape{rows, cols}, {.seed = seed});
}

// Every weight of `a` equals the same weight of `b`, bit for bit.
void expect_same_weights(const Model& a, const Model& b) {
  std::vector<Variable> wa = a.weights(), wb = b.weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_EQ(wa[i].value().to_vector<float>(), wb[i].value().to_vector<float>())
        << "weight " << i << " (" << wa[i].name() << ")";
  }
}

// Trains `original` for a few steps, saves it, loads it, then trains both one more step on the
// same batch: the losses (every log) and the resulting weights must be identical.
void expect_exact_resume(Model& original, const Tensors& x, const Tensors& y,
                         const CustomObjects& custom = {}) {
  for (int step = 0; step < 3; ++step) original.train_on_batch(x, y);
  TempDir dir;
  std::string path = dir.file("model.tandem");
  original.save(path);
  std::shared_ptr<Model> loaded = models::load_model(path, custom);
  ASSERT_TRUE(loaded->compiled());
  expect_same_weights(original, *loaded);
  EXPECT_EQ(loaded->optimizer()->iterations().item<int64_t>(), 3);
  std::vector<Variable> slots_a = original.optimizer()->variables();
  std::vector<Variable> slots_b = loaded->optimizer()->variables();
  ASSERT_EQ(slots_a.size(), slots_b.size());
  for (size_t i = 1; i < slots_a.size(); ++i) {
    EXPECT_EQ(slots_a[i].value().to_vector<float>(), slots_b[i].value().to_vector<float>())
        << slots_a[i].name();
  }
  Logs next_original = original.train_on_batch(x, y);
  Logs next_loaded = loaded->train_on_batch(x, y);
  EXPECT_EQ(next_original.items(), next_loaded.items());
  expect_same_weights(original, *loaded);
  EXPECT_EQ(original.metrics_names(), loaded->metrics_names());
}

TEST(LoadModel, SequentialWithAdamContinuesBitForBit) {
  set_random_seed(1);
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(
          8, DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{4}}}),
      std::make_shared<Dense>(3)});
  model->compile({.optimizer = std::make_shared<optimizers::Adam>(
                      optimizers::AdamOptions{.learning_rate = 0.01, .amsgrad = true}),
                  .loss = std::make_shared<losses::SparseCategoricalCrossentropy>(
                      losses::SparseCategoricalCrossentropyOptions{.from_logits = true}),
                  .metrics = {"accuracy"}});
  Tensor y = cast(random_uniform(Shape{16}, {.minval = 0, .maxval = 3, .seed = 2}), int64);
  expect_exact_resume(*model, {features(16, 4, 3)}, {y});
}

TEST(LoadModel, FunctionalWithLossWeightsAndMetricsPerOutput) {
  set_random_seed(2);
  KerasTensor a = Input(Shape{5}, {.name = "a"});
  KerasTensor b = Input(Shape{3}, {.name = "b"});
  KerasTensor h = (*std::make_shared<Dense>(6, DenseOptions{.activation = "tanh"}))(
      (*std::make_shared<layers::Concatenate>())(std::vector<KerasTensor>{a, b}));
  KerasTensor price = (*std::make_shared<Dense>(1, DenseOptions{.layer = {.name = "price"}}))(h);
  KerasTensor kind = (*std::make_shared<Dense>(
      1, DenseOptions{.activation = "sigmoid", .layer = {.name = "kind"}}))(h);
  auto model = make_model({a, b}, {price, kind}, "two_heads");
  model->compile({.optimizer = "rmsprop",
                  .loss = LossesByOutput{{"price", "mse"}, {"kind", "binary_crossentropy"}},
                  .loss_weights = LossWeights{{"price", 1.0}, {"kind", 0.25}},
                  .metrics = MetricsByOutput{{"kind", {"accuracy", "auc"}}, {"price", {"mae"}}}});
  Tensor kind_y = cast(random_uniform(Shape{12, 1}, {.seed = 5}) > 0.5, float32);
  expect_exact_resume(*model, {features(12, 5, 3), features(12, 3, 4)},
                      {features(12, 1, 6), kind_y});
}

TEST(LoadModel, NestedModels) {
  set_random_seed(3);
  auto inner = std::make_shared<Sequential>(
      std::vector<std::shared_ptr<Layer>>{
          std::make_shared<Dense>(
              4, DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{3}}}),
          std::make_shared<layers::BatchNormalization>()},
      LayerOptions{.name = "inner"});
  KerasTensor x = Input(Shape{3});
  KerasTensor out = (*std::make_shared<Dense>(2))((*inner)(x));
  auto model = make_model({x}, {out}, "outer");
  model->compile({.optimizer = std::make_shared<optimizers::SGD>(
                      optimizers::SGDOptions{.learning_rate = 0.05, .momentum = 0.9}),
                  .loss = "mse"});
  expect_exact_resume(*model, {features(10, 3, 7)}, {features(10, 2, 8)});
}

// A subclassed model with get_config / from_config, registered as a model.
class TwoLayerNet : public Model {
 public:
  explicit TwoLayerNet(int64_t hidden, LayerOptions options = {})
      : Model("TwoLayerNet", options), hidden_units_(hidden) {
    hidden_ = track("hidden", std::make_shared<Dense>(hidden, DenseOptions{.activation = "relu"}));
    head_ = track("head", std::make_shared<Dense>(2));
  }
  static std::shared_ptr<Layer> from_config(const json& config) {
    return std::make_shared<TwoLayerNet>(config.at("hidden").get<int64_t>(),
                                         options_from_config(config));
  }
  json get_config() const override {
    json config = Layer::get_config();
    config["hidden"] = hidden_units_;
    return config;
  }

 protected:
  Tensors call(const Tensors& inputs, const CallContext&) override {
    return {(*head_)((*hidden_)(inputs[0]))};
  }

 private:
  int64_t hidden_units_;
  std::shared_ptr<Dense> hidden_, head_;
};
TANDEM_REGISTER_MODEL(TwoLayerNet);

TEST(LoadModel, SubclassedModelWithGetConfig) {
  set_random_seed(4);
  auto model = std::make_shared<TwoLayerNet>(5);
  model->compile({.optimizer = "adam", .loss = "mse", .metrics = {"mae"}});
  expect_exact_resume(*model, {features(8, 3, 9)}, {features(8, 2, 10)});
}

// ---- custom objects of every kind ----

using testing::Scale;

class ScaledMse : public losses::Loss {
 public:
  explicit ScaledMse(double scale, losses::LossOptions options = {})
      : Loss("ScaledMse", "scaled_mse", options), scale_(scale) {}
  static losses::LossPtr from_config(const json& config) {
    return std::make_shared<ScaledMse>(config.at("scale").get<double>(),
                                       losses::detail::options_from_config(config));
  }
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override {
    return reduce_mean(square(y_pred - y_true), {.axis = std::vector<int64_t>{-1}}) * scale_;
  }
  json get_config() const override {
    json config = Loss::get_config();
    config["scale"] = scale_;
    return config;
  }

 private:
  double scale_;
};
TANDEM_REGISTER_LOSS(ScaledMse);

// The largest absolute error seen, above a threshold count.
class MaxError : public metrics::Metric {
 public:
  explicit MaxError(double threshold, std::string name = "max_error")
      : Metric("MaxError", std::move(name)), threshold_(threshold) {
    max_ = add_weight("max");
  }
  static metrics::MetricPtr from_config(const json& config) {
    return std::make_shared<MaxError>(config.at("threshold").get<double>(),
                                      config.value("name", std::string("max_error")));
  }
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>&) override {
    Tensor batch_max = reduce_max(abs(y_pred - cast(y_true, y_pred.dtype())));
    max_.assign(maximum(max_.value(), batch_max - threshold_));
  }
  Tensor result() const override { return max_.value(); }
  json get_config() const override {
    json config = Metric::get_config();
    config["threshold"] = threshold_;
    return config;
  }

 private:
  double threshold_;
  Variable max_;
};
TANDEM_REGISTER_METRIC(MaxError);

class HalfOnes : public initializers::Initializer {
 public:
  explicit HalfOnes(double value) : value_(value) {}
  static initializers::InitializerPtr from_config(const json& config) {
    return std::make_shared<HalfOnes>(config.at("value").get<double>());
  }
  Tensor operator()(const Shape& shape, DType dtype) const override {
    return fill(shape, value_, dtype);
  }
  std::string class_name() const override { return "HalfOnes"; }
  json get_config() const override { return {{"value", value_}}; }

 private:
  double value_;
};
TANDEM_REGISTER_INITIALIZER(HalfOnes);

regularizers::Regularizer sum_penalty(double factor) {
  return regularizers::Regularizer("SumPenalty", {{"factor", factor}},
                                   [factor](const Tensor& w) { return reduce_sum(w) * factor; });
}
TANDEM_REGISTER_REGULARIZER(SumPenalty, [](const json& c) {
  return sum_penalty(c.at("factor").get<double>());
});

constraints::Constraint clip_to(double limit) {
  return constraints::Constraint("ClipTo", {{"limit", limit}}, [limit](const Tensor& w) {
    return clip_by_value(w, -limit, limit);
  });
}
TANDEM_REGISTER_CONSTRAINT(ClipTo,
                           [](const json& c) { return clip_to(c.at("limit").get<double>()); });

TANDEM_REGISTER_ACTIVATION(cube, [](const Tensor& x) { return x * x * x; });

class LinearWarmup : public optimizers::LearningRateSchedule {
 public:
  LinearWarmup(double peak, double steps) : peak_(peak), steps_(steps) {}
  static optimizers::SchedulePtr from_config(const json& config) {
    return std::make_shared<LinearWarmup>(config.at("peak").get<double>(),
                                          config.at("steps").get<double>());
  }
  double operator()(int64_t step) const override {
    return peak_ * std::min(1.0, static_cast<double>(step + 1) / steps_);
  }
  std::string class_name() const override { return "LinearWarmup"; }
  json get_config() const override { return {{"peak", peak_}, {"steps", steps_}}; }

 private:
  double peak_, steps_;
};
TANDEM_REGISTER_LEARNING_RATE_SCHEDULE(LinearWarmup);

std::shared_ptr<Sequential> model_of_custom_objects() {
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Layer>>{
      std::make_shared<Dense>(4,
                              DenseOptions{.activation = activations::Activation("cube"),
                                           .kernel_initializer = std::make_shared<HalfOnes>(0.25),
                                           .kernel_regularizer = sum_penalty(0.01),
                                           .kernel_constraint = clip_to(0.3),
                                           .layer = {.input_shape = Shape{3}}}),
      std::make_shared<Scale>(0.5), std::make_shared<Dense>(2)});
  model->compile({.optimizer = std::make_shared<optimizers::Adam>(optimizers::AdamOptions{
                      .learning_rate = std::make_shared<LinearWarmup>(0.02, 4.0)}),
                  .loss = std::make_shared<ScaledMse>(3.0),
                  .metrics = {std::make_shared<MaxError>(0.125, "max_err")}});
  return model;
}

TEST(LoadModel, CustomObjectsOfEveryKindRoundTripWithTheirHyperparameters) {
  set_random_seed(5);
  std::shared_ptr<Sequential> model = model_of_custom_objects();
  const CustomObjects custom = {{"Scale", &Scale::from_config}};
  expect_exact_resume(*model, {features(6, 3, 11)}, {features(6, 2, 12)}, custom);

  TempDir dir;
  model->save(dir.file("m.tandem"));
  std::shared_ptr<Model> loaded = models::load_model(dir.file("m.tandem"), custom);
  // Layer configs carry the activation, initializer, regularizer and constraint configs.
  EXPECT_EQ(serialize_layer(*loaded), serialize_layer(*model));
  json dense = loaded->get_layer(0)->get_config();
  EXPECT_EQ(dense["activation"], "cube");
  EXPECT_EQ(dense["kernel_initializer"]["config"]["value"], 0.25);
  EXPECT_EQ(dense["kernel_regularizer"]["config"]["factor"], 0.01);
  EXPECT_EQ(dense["kernel_constraint"]["config"]["limit"], 0.3);
  EXPECT_EQ(loaded->compile_state().loss.get_config(), model->compile_state().loss.get_config());
  EXPECT_EQ(optimizers::serialize(*loaded->optimizer()),
            optimizers::serialize(*model->optimizer()));
  EXPECT_EQ(loaded->optimizer()->get_config()["learning_rate"]["class_name"], "LinearWarmup");
  loaded->train_on_batch({features(6, 3, 13)}, {features(6, 2, 14)});
  ASSERT_EQ(loaded->metrics().size(), 2u);
  EXPECT_EQ(loaded->metrics()[1]->get_config()["threshold"], 0.125);
  EXPECT_EQ(loaded->metrics()[1]->name(), "max_err");
}

TEST(LoadModel, UnknownClassNamesItAndPointsAtCustomObjects) {
  set_random_seed(6);
  std::shared_ptr<Sequential> model = model_of_custom_objects();
  model->train_on_batch({features(6, 3, 11)}, {features(6, 2, 12)});
  TempDir dir;
  model->save(dir.file("m.tandem"));
  expect_error<ValueError>([&] { models::load_model(dir.file("m.tandem")); },
                           "unknown layer class 'Scale': pass it in custom_objects");
  expect_error<ValueError>([&] { models::load_model(dir.file("m.tandem")); },
                           "TANDEM_REGISTER_LAYER(Scale)");
  expect_error<ValueError>([&] { models::load_model(dir.file("m.tandem")); }, dir.file("m.tandem"));
}

TEST(LoadModel, CompileFalseGivesAnUncompiledModelWithTheWeights) {
  set_random_seed(7);
  auto model = std::make_shared<TwoLayerNet>(3);
  model->compile({.optimizer = "sgd", .loss = "mse"});
  model->train_on_batch({features(4, 2, 1)}, {features(4, 2, 2)});
  TempDir dir;
  model->save(dir.file("m.tandem"));
  auto loaded = models::load_model(dir.file("m.tandem"), {}, {.compile = false});
  EXPECT_FALSE(loaded->compiled());
  expect_same_weights(*model, *loaded);
  Tensor x = features(5, 2, 3);
  EXPECT_EQ((*loaded)(x).to_vector<float>(), (*model)(x).to_vector<float>());
}

TEST(LoadModel, BadFilesGiveNamedErrors) {
  TempDir dir;
  auto model = std::make_shared<TwoLayerNet>(3);
  (*model)(features(2, 2, 1));
  model->save_weights(dir.file("weights.tandem"));
  expect_error<IOError>([&] { models::load_model(dir.file("weights.tandem")); },
                        "holds weights only (written by save_weights)");
  expect_error<IOError>([&] { models::load_model(dir.file("missing.tandem")); }, "missing.tandem");
  testing::write_bytes(dir.file("junk.tandem"), "not a model");
  expect_error<IOError>([&] { models::load_model(dir.file("junk.tandem")); },
                        "is not a Tandem model file");
  // A well-formed file whose architecture is not JSON.
  io::write_model_file(dir.file("bad_json.tandem"), {.architecture_json = "{nope"});
  expect_error<IOError>([&] { models::load_model(dir.file("bad_json.tandem")); },
                        "its architecture is not valid JSON");
  // A config its class cannot read.
  io::write_model_file(dir.file("bad_config.tandem"),
                       {.architecture_json = R"({"class_name": "TwoLayerNet", "config": {}})"});
  expect_error<ValueError>([&] { models::load_model(dir.file("bad_config.tandem")); },
                           "bad_config.tandem");
  // Weights that do not fit the architecture.
  io::write_model_file(dir.file("wrong_weights.tandem"),
                       {.architecture_json = detail::save_architecture(*model).dump(),
                        .tensors = {{.name = "w", .value = zeros(Shape{7})}}});
  expect_error<ValueError>([&] { models::load_model(dir.file("wrong_weights.tandem")); },
                           "holds 1 weight values, but the model has 4");
}

}  // namespace
}  // namespace tandem
