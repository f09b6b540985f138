// The Metric base through a custom subclass, get() and resolve().
#include "tandem/metrics/metric.h"

#include <gtest/gtest.h>

#include "metrics/metric_testing.h"
#include "tandem/metrics/accuracy.h"
#include "tandem/metrics/confusion.h"
#include "tandem/metrics/crossentropy.h"
#include "tandem/metrics/iou.h"
#include "tandem/metrics/regression.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_state_sums;
using testing::expect_values;

// A user-defined streaming Huber metric: the mean Huber loss over every element seen. State: total
// (sum of weighted losses) and count (sum of weights), both sums, so it all-reduces like the
// built-ins.
class StreamingHuber : public metrics::Metric {
 public:
  explicit StreamingHuber(double threshold = 1.0, std::string name = "huber")
      : Metric("StreamingHuber", std::move(name)), threshold_(threshold) {
    total_ = add_weight("total");
    count_ = add_weight("count");
  }

  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override {
    Tensor error = abs(y_pred - y_true);
    Tensor quadratic = minimum(error, fill(error.shape(), threshold_));
    Tensor loss = 0.5 * square(quadratic) + threshold_ * (error - quadratic);
    Tensor weight = sample_weight ? *sample_weight : ones_like(loss);
    total_.assign_add(reduce_sum(loss * weight));
    count_.assign_add(reduce_sum(weight));
  }
  Tensor result() const override { return total_.value() / count_.value(); }
  nlohmann::json get_config() const override {
    nlohmann::json config = Metric::get_config();
    config["threshold"] = threshold_;
    return config;
  }

 private:
  double threshold_;
  Variable total_;
  Variable count_;
};

TEST(Metric, CustomSubclassThroughTheBase) {
  metrics::MetricPtr m = std::make_shared<StreamingHuber>(1.0);
  // Errors 0.5, 2, 3, 1 -> 0.125, 1.5, 2.5, 0.5.
  m->update_state(constant({0.0, 0.0, 0.0, 0.0}), constant({0.5, 2.0, -3.0, 1.0}));
  expect_values(m->result(), {4.625 / 4});
  // Errors 0.2, 0.4 -> 0.02, 0.08.
  m->update_state(constant({0.0, 0.0}), constant({0.2, -0.4}));
  expect_values(m->result(), {4.725 / 6});
  ASSERT_EQ(m->variables().size(), 2u);
  EXPECT_EQ(m->variables()[0].name(), "huber/total");
  EXPECT_FALSE(m->variables()[1].trainable());
  expect_values(m->variables()[1], {6.0});
  EXPECT_EQ(m->get_config(),
            nlohmann::json::parse(R"({"name": "huber", "dtype": "float32", "threshold": 1.0})"));
  m->reset_state();
  expect_values(m->variables()[0], {0.0});
  m->update_state(constant({0.0, 0.0, 0.0, 0.0}), constant({0.5, 2.0, -3.0, 1.0}),
                  constant({1.0, 0.0, 0.0, 2.0}));
  expect_values(m->result(), {(0.125 + 1.0) / 3});

  StreamingHuber wide(2.5);  // threshold 2.5: errors 2 and 3 -> 2.0 and 3.125 + 2.5 * 0.5
  wide.update_state(constant({0.0, 0.0}), constant({2.0, 3.0}));
  expect_values(wide.result(), {(2.0 + 4.375) / 2});

  expect_state_sums(
      [] { return std::make_shared<StreamingHuber>(0.5); },
      [](metrics::Metric& h) { h.update_state(constant({0.0}), constant({2.0})); },
      [](metrics::Metric& h) {
        h.update_state(constant({1.0, 1.0}), constant({1.25, 0.0}), constant({2.0, 1.0}));
      });
}

TEST(Metric, GetByKerasName) {
  metrics::MetricPtr acc = metrics::get("acc");
  EXPECT_EQ(acc->class_name(), "Accuracy");
  EXPECT_EQ(acc->name(), "acc");  // function-style names keep the name asked for
  EXPECT_EQ(metrics::get("accuracy")->class_name(), "Accuracy");
  EXPECT_EQ(metrics::get("AUC")->name(), "auc");  // class names take the class default
  EXPECT_EQ(metrics::get("Precision")->name(), "precision");
  EXPECT_EQ(metrics::get("recall")->class_name(), "Recall");
  EXPECT_EQ(metrics::get("mse")->class_name(), "MeanSquaredError");
  EXPECT_EQ(metrics::get("mse")->name(), "mse");
  EXPECT_EQ(metrics::get("MAE")->class_name(), "MeanAbsoluteError");
  EXPECT_EQ(metrics::get("rmse")->class_name(), "RootMeanSquaredError");
  EXPECT_EQ(metrics::get("sparse_categorical_crossentropy")->class_name(),
            "SparseCategoricalCrossentropy");
  EXPECT_EQ(metrics::get("BinaryCrossentropy")->name(), "binary_crossentropy");
  EXPECT_EQ(metrics::get("sparse_top_k_categorical_accuracy")->get_config()["k"], 5);
  metrics::MetricPtr mse = metrics::get("mean_squared_error");
  mse->update_state(constant({{0.0, 1.0}}), constant({{1.0, 1.0}}));
  expect_values(mse->result(), {0.5});
  expect_error<ValueError>([] { metrics::get("f1"); }, "unknown metric 'f1'; known metrics:");
  expect_error<ValueError>([] { metrics::get("MeanIoU"); }, "needs num_classes");
}

// What load_model relies on: every built-in comes back from its config with its name, dtype and
// hyperparameters.
TEST(Metric, BuiltinsRoundTripThroughTheirConfig) {
  using namespace metrics;  // NOLINT
  std::vector<MetricPtr> originals = {
      std::make_shared<BinaryAccuracy>(BinaryAccuracyOptions{.name = "ba", .threshold = 0.25}),
      std::make_shared<TopKCategoricalAccuracy>(TopKCategoricalAccuracyOptions{.k = 2}),
      std::make_shared<SparseTopKCategoricalAccuracy>(
          SparseTopKCategoricalAccuracyOptions{.k = 3, .dtype = float64}),
      std::make_shared<Precision>(PrecisionOptions{.thresholds = {0.3, 0.7}, .class_id = 1}),
      std::make_shared<Recall>(RecallOptions{.thresholds = {0.4}, .top_k = 2}),
      std::make_shared<AUC>(AUCOptions{
          .num_thresholds = 50, .curve = "PR", .summation_method = "minoring", .name = "pr_auc"}),
      std::make_shared<CosineSimilarity>(CosineSimilarityOptions{.axis = 1}),
      std::make_shared<BinaryCrossentropy>(
          BinaryCrossentropyOptions{.from_logits = true, .label_smoothing = 0.1}),
      std::make_shared<CategoricalCrossentropy>(
          CategoricalCrossentropyOptions{.label_smoothing = 0.2, .axis = 1}),
      std::make_shared<SparseCategoricalCrossentropy>(
          SparseCategoricalCrossentropyOptions{.from_logits = true, .ignore_class = 0}),
      std::make_shared<MeanIoU>(4, MeanIoUOptions{.ignore_class = 2, .sparse_y_pred = false}),
      std::make_shared<RootMeanSquaredError>(RootMeanSquaredErrorOptions{.name = "r"})};
  for (const MetricPtr& m : originals) {
    MetricPtr back = deserialize(serialize(*m));
    EXPECT_EQ(back->class_name(), m->class_name());
    EXPECT_EQ(back->get_config(), m->get_config()) << m->class_name();
  }
  expect_error<ValueError>(
      [] {
        deserialize({{"class_name", "F1"}});
      },
      "unknown metric class 'F1': pass it in custom_objects");
  EXPECT_EQ(deserialize("mae")->name(), "mae");
}

TEST(Metric, ResolveAccuracy) {
  // y_pred ends in 1: binary.
  metrics::MetricPtr binary = metrics::resolve("accuracy", Shape{32, 1}, Shape{32, 1});
  EXPECT_EQ(binary->class_name(), "BinaryAccuracy");
  EXPECT_EQ(binary->name(), "accuracy");
  // y_true has lower rank, or ends in 1 against several classes: sparse categorical.
  EXPECT_EQ(metrics::resolve("accuracy", Shape{32}, Shape{32, 10})->class_name(),
            "SparseCategoricalAccuracy");
  metrics::MetricPtr sparse = metrics::resolve("acc", Shape{32, 1}, Shape{32, 10});
  EXPECT_EQ(sparse->class_name(), "SparseCategoricalAccuracy");
  EXPECT_EQ(sparse->name(), "acc");
  // Same shapes: categorical.
  metrics::MetricPtr categorical = metrics::resolve("accuracy", Shape{32, 10}, Shape{32, 10});
  EXPECT_EQ(categorical->class_name(), "CategoricalAccuracy");
  EXPECT_EQ(categorical->name(), "accuracy");
  // The resolved metric computes what its class does.
  sparse->update_state(constant({{2}, {0}}), constant({{0.1, 0.2, 0.7}, {0.3, 0.6, 0.1}}));
  expect_values(sparse->result(), {0.5});
  // "crossentropy" / "ce" follow the same rule.
  EXPECT_EQ(metrics::resolve("crossentropy", Shape{8, 1}, Shape{8, 1})->class_name(),
            "BinaryCrossentropy");
  EXPECT_EQ(metrics::resolve("ce", Shape{8}, Shape{8, 3})->class_name(),
            "SparseCategoricalCrossentropy");
  metrics::MetricPtr ce = metrics::resolve("crossentropy", Shape{8, 3}, Shape{8, 3});
  EXPECT_EQ(ce->class_name(), "CategoricalCrossentropy");
  EXPECT_EQ(ce->name(), "crossentropy");
  expect_error<ValueError>([] { metrics::get("ce"); }, "use metrics::resolve");
  // Other names go to get().
  EXPECT_EQ(metrics::resolve("mae", Shape{4, 1}, Shape{4, 1})->class_name(), "MeanAbsoluteError");
}

}  // namespace
}  // namespace tandem
