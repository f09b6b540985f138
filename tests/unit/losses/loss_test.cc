// The Loss base: reductions, sample weights, string lookup, (de)serialisation, make_loss and a
// custom Loss subclass.
#include "tandem/losses/loss.h"

#include <gtest/gtest.h>

#include <vector>

#include "tandem/losses/hinge.h"
#include "tandem/losses/probabilistic.h"
#include "tandem/losses/regression.h"
#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/gradient_check.h"

namespace tandem::losses {
namespace {

using nlohmann::json;
using testing::expect_error;
using testing::expect_values;

Tensor f64(const Literal& value) { return constant(value, float64); }

TEST(Reduction, NamesRoundTrip) {
  for (Reduction r : {Reduction::sum_over_batch_size, Reduction::sum, Reduction::none})
    EXPECT_EQ(reduction_from_name(reduction_name(r)), r);
  EXPECT_EQ(reduction_from_name("auto"), Reduction::sum_over_batch_size);
  expect_error<ValueError>([] { reduction_from_name("mean"); }, "unknown loss reduction 'mean'");
}

TEST(ComputeWeightedLoss, Reductions) {
  Tensor losses = f64({1.0, 2.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(
      compute_weighted_loss(losses, std::nullopt, Reduction::sum_over_batch_size).item<double>(),
      2.5);
  EXPECT_DOUBLE_EQ(compute_weighted_loss(losses, std::nullopt, Reduction::sum).item<double>(),
                   10.0);
  expect_values(compute_weighted_loss(losses, std::nullopt, Reduction::none), {1, 2, 3, 4});
  // The divisor stays the number of losses whatever the weights (Keras's sum_over_batch_size).
  Tensor w = f64({1.0, 0.0, 0.5, 2.0});
  EXPECT_DOUBLE_EQ(compute_weighted_loss(losses, w, Reduction::sum_over_batch_size).item<double>(),
                   (1 + 0 + 1.5 + 8) / 4.0);
  EXPECT_DOUBLE_EQ(compute_weighted_loss(losses, w, Reduction::sum).item<double>(), 10.5);
  expect_values(compute_weighted_loss(losses, w, Reduction::none), {1, 0, 1.5, 8});
  // A scalar weight, a [batch, 1] weight, and float32 weights on float64 losses.
  EXPECT_DOUBLE_EQ(compute_weighted_loss(losses, f64(2.0), Reduction::sum).item<double>(), 20.0);
  Tensor column = constant({{1.0}, {0.0}, {0.5}, {2.0}});
  expect_values(compute_weighted_loss(losses, column, Reduction::none), {1, 0, 1.5, 8});
  // Per-sample weights on [batch, steps] losses broadcast over the steps.
  Tensor steps = f64({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  EXPECT_DOUBLE_EQ(
      compute_weighted_loss(steps, f64({1.0, 0.5}), Reduction::sum_over_batch_size).item<double>(),
      (6 + 7.5) / 6.0);
  expect_error<ShapeError>(
      [&] {
        compute_weighted_loss(losses, f64({1.0, 2.0, 3.0}), Reduction::sum);
      },
      "sample_weight of shape [3] does not broadcast to the per-example losses of shape [4]");
  // An empty batch has loss 0, not NaN.
  Tensor empty = zeros({0}, float64);
  EXPECT_DOUBLE_EQ(
      compute_weighted_loss(empty, std::nullopt, Reduction::sum_over_batch_size).item<double>(),
      0.0);
}

TEST(Loss, CallAppliesWeightsAndReduction) {
  // Keras's MeanSquaredError docstring example.
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{1.0, 1.0}, {1.0, 0.0}});
  MeanSquaredError mse;
  EXPECT_EQ(mse.name(), "mean_squared_error");
  EXPECT_EQ(mse.class_name(), "MeanSquaredError");
  EXPECT_NEAR(mse(y_true, y_pred).item<double>(), 0.5, 1e-7);
  EXPECT_NEAR(mse(y_true, y_pred, constant({0.7, 0.3})).item<double>(), 0.25, 1e-7);
  EXPECT_NEAR(MeanSquaredError({.reduction = Reduction::sum})(y_true, y_pred).item<double>(), 1.0,
              1e-7);
  expect_values(MeanSquaredError({.reduction = Reduction::none})(y_true, y_pred), {0.5, 0.5});
  // y_true of another dtype is cast to y_pred's; [batch] meets [batch, 1].
  Tensor ints = constant({{0, 1}, {0, 0}}, int32);
  EXPECT_NEAR(mse(ints, y_pred).item<double>(), 0.5, 1e-7);
  Tensor flat = f64({1.0, 2.0, 3.0});
  Tensor column = f64({{1.5}, {2.0}, {1.0}});
  EXPECT_DOUBLE_EQ(mse(flat, column).item<double>(), (0.25 + 0 + 4) / 3);
  EXPECT_DOUBLE_EQ(mse(column, flat).item<double>(), (0.25 + 0 + 4) / 3);
}

TEST(Loss, ConfigsAndNames) {
  Huber huber({.delta = 2.5, .reduction = Reduction::sum, .name = "my_huber"});
  EXPECT_EQ(huber.get_config(),
            json::parse(R"({"name": "my_huber", "reduction": "sum", "delta": 2.5})"));
  EXPECT_EQ(serialize(MeanAbsoluteError()), json::parse(R"({"class_name": "MeanAbsoluteError",
                            "config": {"name": "mean_absolute_error",
                                       "reduction": "sum_over_batch_size"}})"));
  json bce = BinaryCrossentropy({.from_logits = true, .label_smoothing = 0.1}).get_config();
  EXPECT_EQ(bce["from_logits"], true);
  EXPECT_DOUBLE_EQ(bce["label_smoothing"].get<double>(), 0.1);
  EXPECT_EQ(bce["axis"], -1);
  EXPECT_EQ(SparseCategoricalCrossentropy().get_config()["ignore_class"], nullptr);
  EXPECT_EQ(SparseCategoricalCrossentropy({.ignore_class = 3}).get_config()["ignore_class"], 3);
  EXPECT_EQ(CosineSimilarity({.axis = 1}).get_config()["axis"], 1);
}

TEST(Loss, GetByKerasName) {
  struct Case {
    const char* name;
    const char* class_name;
    const char* default_name;
  };
  std::vector<Case> cases = {
      {"mse", "MeanSquaredError", "mean_squared_error"},
      {"mean_squared_error", "MeanSquaredError", "mean_squared_error"},
      {"MeanSquaredError", "MeanSquaredError", "mean_squared_error"},
      {"mae", "MeanAbsoluteError", "mean_absolute_error"},
      {"mape", "MeanAbsolutePercentageError", "mean_absolute_percentage_error"},
      {"msle", "MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"},
      {"huber", "Huber", "huber_loss"},
      {"huber_loss", "Huber", "huber_loss"},
      {"logcosh", "LogCosh", "log_cosh"},
      {"log_cosh", "LogCosh", "log_cosh"},
      {"cosine_similarity", "CosineSimilarity", "cosine_similarity"},
      {"binary_crossentropy", "BinaryCrossentropy", "binary_crossentropy"},
      {"categorical_crossentropy", "CategoricalCrossentropy", "categorical_crossentropy"},
      {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
       "sparse_categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", "SparseCategoricalCrossentropy",
       "sparse_categorical_crossentropy"},
      {"kld", "KLDivergence", "kl_divergence"},
      {"kl_divergence", "KLDivergence", "kl_divergence"},
      {"kullback_leibler_divergence", "KLDivergence", "kl_divergence"},
      {"poisson", "Poisson", "poisson"},
      {"hinge", "Hinge", "hinge"},
      {"squared_hinge", "SquaredHinge", "squared_hinge"},
      {"categorical_hinge", "CategoricalHinge", "categorical_hinge"},
  };
  for (const Case& c : cases) {
    LossPtr loss = get(c.name);
    EXPECT_EQ(loss->class_name(), c.class_name) << c.name;
    EXPECT_EQ(loss->name(), c.default_name) << c.name;
    EXPECT_EQ(loss->reduction(), Reduction::sum_over_batch_size) << c.name;
  }
  // A looked-up loss computes the same as the class.
  Tensor y_true = f64({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = f64({{0.6, 0.4}, {0.4, 0.6}});
  EXPECT_DOUBLE_EQ((*get("binary_crossentropy"))(y_true, y_pred).item<double>(),
                   BinaryCrossentropy()(y_true, y_pred).item<double>());
  expect_error<ValueError>([] { get("mean_square_error"); }, "unknown loss 'mean_square_error'");
  expect_error<ValueError>([] { get("nope"); }, "known names: ");
}

TEST(Loss, SerializeDeserializeRoundTrips) {
  std::vector<LossPtr> losses = {
      std::make_shared<MeanSquaredError>(LossOptions{.reduction = Reduction::sum}),
      std::make_shared<MeanAbsoluteError>(),
      std::make_shared<MeanAbsolutePercentageError>(),
      std::make_shared<MeanSquaredLogarithmicError>(),
      std::make_shared<Huber>(HuberOptions{.delta = 0.3, .name = "h"}),
      std::make_shared<LogCosh>(),
      std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = 0}),
      std::make_shared<BinaryCrossentropy>(
          BinaryCrossentropyOptions{.from_logits = true, .label_smoothing = 0.2}),
      std::make_shared<CategoricalCrossentropy>(
          CategoricalCrossentropyOptions{.label_smoothing = 0.1, .reduction = Reduction::none}),
      std::make_shared<SparseCategoricalCrossentropy>(
          SparseCategoricalCrossentropyOptions{.from_logits = true, .ignore_class = -1}),
      std::make_shared<KLDivergence>(),
      std::make_shared<Poisson>(),
      std::make_shared<Hinge>(),
      std::make_shared<SquaredHinge>(),
      std::make_shared<CategoricalHinge>(LossOptions{.name = "ch"}),
  };
  for (const LossPtr& loss : losses) {
    json j = serialize(*loss);
    LossPtr back = deserialize(j);
    EXPECT_EQ(back->class_name(), loss->class_name());
    EXPECT_EQ(serialize(*back), j) << j.dump();
    // Through text, as a saved model stores it.
    EXPECT_EQ(serialize(*deserialize(json::parse(j.dump()))), j);
  }
  // Keras's own serialisation (reduction "auto") and a bare name.
  LossPtr keras = deserialize(json::parse(
      R"({"class_name": "Huber", "config": {"reduction": "auto", "name": "huber_loss",
                                              "delta": 2.0}})"));
  EXPECT_EQ(keras->get_config()["delta"], 2.0);
  EXPECT_EQ(keras->reduction(), Reduction::sum_over_batch_size);
  EXPECT_EQ(deserialize(json("mse"))->class_name(), "MeanSquaredError");
  EXPECT_EQ(deserialize(json::parse(R"({"class_name": "Poisson"})"))->name(), "poisson");
  expect_error<ValueError>([] { deserialize(json::parse(R"({"class_name": "Nope"})")); },
                           "unknown loss class 'Nope': pass it in custom_objects");
  expect_error<ValueError>([] { deserialize(json(3)); }, "losses::deserialize expected a name");
  expect_error<ValueError>(
      [] {
        deserialize(json::parse(R"({"class_name": "MeanSquaredError",
                                    "config": {"reduction": "avg"}})"));
      },
      "unknown loss reduction 'avg'");
}

TEST(MakeLoss, WrapsACallable) {
  LossPtr l4 = make_loss("quartic", [](const Tensor& y_true, const Tensor& y_pred) {
    return reduce_mean(square(square(y_pred - y_true)), {.axis = std::vector<int64_t>{-1}});
  });
  EXPECT_EQ(l4->name(), "quartic");
  EXPECT_EQ(l4->get_config(),
            json::parse(R"({"name": "quartic", "reduction": "sum_over_batch_size"})"));
  Tensor y_true = f64({{0.0, 1.0}, {2.0, 0.0}});
  Tensor y_pred = f64({{1.0, 1.0}, {0.0, 0.0}});
  // Per example: (1 + 0) / 2 and (16 + 0) / 2.
  EXPECT_DOUBLE_EQ((*l4)(y_true, y_pred).item<double>(), (0.5 + 8.0) / 2);
  EXPECT_DOUBLE_EQ((*l4)(y_true, y_pred, f64({2.0, 1.0})).item<double>(), (1.0 + 8.0) / 2);
  LossPtr summed = make_loss("abs_sum", [](const Tensor& t, const Tensor& p) { return abs(p - t); },
                             {.reduction = Reduction::sum, .name = "renamed"});
  EXPECT_EQ(summed->name(), "renamed");
  EXPECT_DOUBLE_EQ((*summed)(y_true, y_pred).item<double>(), 3.0);
  // The wrapper casts y_true and aligns [batch] with [batch, 1] before calling the function.
  Tensor labels = constant({1, 2}, int32);
  Tensor column = f64({{1.5}, {2.0}});
  expect_values(summed->call(cast(labels, float64), column), {0.5, 0.0});
  EXPECT_DOUBLE_EQ((*summed)(labels, column).item<double>(), 0.5);
  expect_error<ValueError>([] { make_loss("empty", nullptr); }, "make_loss expected a callable");
  // Serialised as a LossFunctionWrapper; rebuilt from a registration under its name.
  json j = serialize(*l4);
  EXPECT_EQ(j["class_name"], "LossFunctionWrapper");
  expect_error<ValueError>([&] { deserialize(j); },
                           "unknown loss class 'quartic' (a function made with make_loss)");
  register_loss("quartic", [l4](const json&) { return l4; });
  EXPECT_DOUBLE_EQ((*deserialize(j))(y_true, y_pred).item<double>(), (0.5 + 8.0) / 2);
  testing::check_gradients([&](const std::vector<Tensor>& in) { return (*l4)(in[0], in[1]); },
                           {f64({{0.3, -1.0}, {2.0, 0.5}}), f64({{1.0, 1.2}, {0.1, 0.0}})});
}

// A custom loss with a hyperparameter: Huber whose quadratic zone ends at `threshold`.
struct HuberWithThresholdOptions {
  double threshold = 1.0;
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";
};

class HuberWithThreshold : public Loss {
 public:
  using Options = HuberWithThresholdOptions;
  explicit HuberWithThreshold(Options options = {})
      : Loss("HuberWithThreshold", "huber_with_threshold",
             {.reduction = options.reduction, .name = options.name}),
        threshold_(options.threshold) {}
  Tensor call(const Tensor& y_true, const Tensor& y_pred) const override {
    Tensor error = y_pred - cast(y_true, y_pred.dtype());
    Tensor small = abs(error) <= threshold_;
    Tensor quadratic = square(error) * 0.5;
    Tensor linear = abs(error) * threshold_ - 0.5 * threshold_ * threshold_;
    return reduce_mean(where(small, quadratic, linear), {.axis = std::vector<int64_t>{-1}});
  }
  json get_config() const override {
    json config = Loss::get_config();
    config["threshold"] = threshold_;
    return config;
  }
  static LossPtr from_config(const json& config) {
    Options options{.threshold = config.value("threshold", 1.0)};
    if (config.contains("reduction"))
      options.reduction = reduction_from_name(config["reduction"].get<std::string>());
    options.name = config.value("name", std::string());
    return std::make_shared<HuberWithThreshold>(options);
  }

 private:
  double threshold_;
};

TEST(CustomLoss, SubclassRegistersAndRoundTrips) {
  HuberWithThreshold loss({.threshold = 0.5, .reduction = Reduction::sum});
  Tensor y_true = f64({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = f64({{0.6, 0.4}, {0.4, 0.6}});
  // |e| = 0.6, 0.6, 0.4, 0.6: linear 0.175 three times, quadratic 0.08 once.
  EXPECT_NEAR(loss(y_true, y_pred).item<double>(), 0.175 + (0.08 + 0.175) / 2, 1e-12);
  // It agrees with the built-in Huber of the same delta.
  EXPECT_NEAR(loss(y_true, y_pred).item<double>(),
              Huber({.delta = 0.5, .reduction = Reduction::sum})(y_true, y_pred).item<double>(),
              1e-12);
  json j = serialize(loss);
  EXPECT_EQ(j, json::parse(R"({"class_name": "HuberWithThreshold",
                               "config": {"name": "huber_with_threshold", "reduction": "sum",
                                          "threshold": 0.5}})"));
  expect_error<ValueError>([&] { deserialize(j); }, "unknown loss class 'HuberWithThreshold'");
  register_loss("HuberWithThreshold", &HuberWithThreshold::from_config);
  LossPtr back = deserialize(j);
  EXPECT_EQ(back->get_config(), loss.get_config());
  EXPECT_NEAR((*back)(y_true, y_pred).item<double>(), loss(y_true, y_pred).item<double>(), 1e-12);
  EXPECT_EQ(get("HuberWithThreshold")->get_config()["threshold"], 1.0);
  expect_error<ValueError>([] { register_loss("", &HuberWithThreshold::from_config); },
                           "registering a loss: expected a class name and a factory");
  testing::check_gradients([&](const std::vector<Tensor>& in) { return (*back)(in[0], in[1]); },
                           {y_true, f64({{0.7, 0.3}, {0.2, 0.9}})});
}

}  // namespace
}  // namespace tandem::losses
