// Precision, Recall and AUC.
#include "tandem/metrics/confusion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_state_sums;
using testing::expect_values;

TEST(Precision, ExampleBatches) {
  metrics::Precision m;
  // y_true=[0,1,1,1,0,1,0,1], y_pred=[1,1,0,1,0,1,0,1] in two batches: tp 4, fp 1.
  m.update_state(constant({0, 1, 1, 1}), constant({1, 1, 0, 1}));
  m.update_state(constant({0, 1, 0, 1}), constant({0, 1, 0, 1}));
  expect_values(m.result(), {0.8});
  // y_true=[0,1,0,0,1,0,1,1], y_pred=[1,0,1,1,0,0,0,0]: three more false positives.
  m.update_state(constant({0, 1, 0, 0, 1, 0, 1, 1}), constant({1, 0, 1, 1, 0, 0, 0, 0}));
  expect_values(m.result(), {0.5});
  expect_values(m.variables()[0], {4.0});  // true_positives
  expect_values(m.variables()[1], {4.0});  // false_positives
  EXPECT_EQ(m.variables()[0].name(), "precision/true_positives");
  m.reset_state();
  expect_values(m.result(), {0.0});
}

TEST(Precision, KerasDocstringAndWeights) {
  metrics::Precision m;
  m.update_state(constant({0, 1, 1, 1}), constant({1, 0, 1, 1}));
  expect_values(m.result(), {2.0 / 3.0});
  metrics::Precision w;
  w.update_state(constant({0, 1, 1, 1}), constant({1, 0, 1, 1}), constant({0.0, 0.0, 1.0, 0.0}));
  expect_values(w.result(), {1.0});
  w.update_state(constant({0, 1}), constant({0.7, 0.9}), constant({2.0, 1.0}));
  expect_values(w.result(), {2.0 / 4.0});  // tp 1 + 1, fp 0 + 2
}

TEST(Precision, TopKAndClassId) {
  metrics::Precision top2({.top_k = 2});  // keeps y_pred[:2] of the tied row
  top2.update_state(constant({0, 0, 1, 1}), constant({1, 1, 1, 1}));
  expect_values(top2.result(), {0.0});
  metrics::Precision top4({.top_k = 4});
  top4.update_state(constant({0, 0, 1, 1}), constant({1, 1, 1, 1}));
  expect_values(top4.result(), {0.5});

  const Tensor y_true = constant({{0, 1}, {1, 0}, {1, 1}});
  const Tensor y_pred = constant({{0.2, 0.7}, {0.6, 0.9}, {0.1, 0.8}});
  metrics::Precision class1({.class_id = 1});
  class1.update_state(y_true, y_pred);
  expect_values(class1.result(), {2.0 / 3.0});
  metrics::Precision class0({.class_id = 0});
  class0.update_state(y_true, y_pred);
  expect_values(class0.result(), {1.0});
  metrics::Recall recall0({.class_id = 0});
  recall0.update_state(y_true, y_pred);
  expect_values(recall0.result(), {0.5});
  metrics::Recall recall1({.class_id = 1});
  recall1.update_state(y_true, y_pred);
  expect_values(recall1.result(), {1.0});
  // top_k = 1 then class 1: rows 0, 1, 2 keep classes 1, 1, 1.
  metrics::Precision top1_class0({.top_k = 1, .class_id = 0});
  top1_class0.update_state(y_true, y_pred);
  expect_values(top1_class0.result(), {0.0});
  expect_error<ValueError>(
      [&] { metrics::Precision({.class_id = 2}).update_state(y_true, y_pred); }, "class_id");
}

TEST(PrecisionRecall, SeveralThresholds) {
  metrics::Precision p({.thresholds = {0.3, 0.7}});
  metrics::Recall r({.thresholds = {0.3, 0.7}});
  for (metrics::Metric* m :
       {static_cast<metrics::Metric*>(&p), static_cast<metrics::Metric*>(&r)}) {
    m->update_state(constant({0, 1}), constant({0.2, 0.5}));
    m->update_state(constant({1, 0}), constant({0.8, 0.9}));
  }
  expect_values(p.result(), {2.0 / 3.0, 0.5});
  expect_values(r.result(), {1.0, 0.5});
  EXPECT_EQ(p.result().shape(), Shape({2}));
  EXPECT_EQ(p.get_config(), nlohmann::json::parse(R"({"name": "precision", "dtype": "float32",
      "thresholds": [0.3, 0.7], "top_k": null, "class_id": null})"));
  expect_error<ValueError>([] { metrics::Precision({.thresholds = {1.5}}); },
                           "thresholds in [0, 1]");
}

TEST(Recall, TwoBatchesWithAndWithoutWeights) {
  metrics::Recall m;
  m.update_state(constant({0, 1, 1, 1, 0, 1, 0, 1}), constant({1, 1, 0, 1, 0, 1, 0, 1}));
  expect_values(m.result(), {0.8});
  m.update_state(constant({0, 1, 0, 0, 1, 0, 1, 1}), constant({1, 0, 1, 1, 0, 0, 0, 0}));
  expect_values(m.result(), {4.0 / 9.0});

  metrics::Recall w;
  w.update_state(constant({0, 1, 1, 1}), constant({1, 0, 1, 1}));
  expect_values(w.result(), {2.0 / 3.0});  // Keras docstring
  w.reset_state();
  w.update_state(constant({0, 1, 1, 1}), constant({1, 0, 1, 1}), constant({0.0, 0.0, 1.0, 0.0}));
  expect_values(w.result(), {1.0});
  w.update_state(constant({{1}, {1}}), constant({{0.2}, {0.9}}), constant({3.0, 1.0}));
  expect_values(w.result(), {2.0 / 5.0});
  expect_error<ValueError>([&] { w.update_state(constant({1}), constant({1.5})); },
                           "expected predictions in [0, 1]");
}

TEST(AUC, KerasDocstring) {
  metrics::AUC m({.num_thresholds = 3});
  m.update_state(constant({0, 0, 1, 1}), constant({0.0, 0.5, 0.3, 0.9}));
  expect_values(m.result(), {0.75});
  metrics::AUC w({.num_thresholds = 3});
  w.update_state(constant({0, 0, 1, 1}), constant({0.0, 0.5, 0.3, 0.9}),
                 constant({1.0, 0.0, 0.0, 1.0}));
  expect_values(w.result(), {1.0});
  EXPECT_EQ(m.variables().size(), 4u);
  expect_values(m.variables()[0], {2, 1, 0});  // true_positives
  expect_values(m.variables()[1], {0, 2, 2});  // true_negatives
}

TEST(AUC, DefaultThresholdsOverTwoBatches) {
  metrics::AUC m;
  ASSERT_EQ(m.thresholds().size(), 200u);
  EXPECT_DOUBLE_EQ(m.thresholds()[0], -1e-7);
  EXPECT_DOUBLE_EQ(m.thresholds()[1], 1.0 / 199.0);
  EXPECT_DOUBLE_EQ(m.thresholds()[199], 1.0 + 1e-7);
  // Distinct scores a bucket apart: the ROC AUC is the fraction of ordered pairs, 3/4.
  m.update_state(constant({0, 1}), constant({0.1, 0.35}));
  m.update_state(constant({0, 1}), constant({0.4, 0.8}));
  expect_values(m.result(), {0.75}, 1e-5);
  metrics::AUC w;
  w.update_state(constant({0, 1}), constant({0.1, 0.35}));
  w.update_state(constant({0, 1}), constant({0.4, 0.8}), constant({3.0, 1.0}));
  // positives (0.35, w 1), (0.8, w 1); negatives (0.1, w 1), (0.4, w 3): ordered weight 1+1+3 of 8.
  expect_values(w.result(), {5.0 / 8.0}, 1e-5);
}

TEST(AUC, CurvesAndSummationMethods) {
  const Tensor y_true = constant({0, 0, 1, 1});
  const Tensor y_pred = constant({0.0, 0.5, 0.3, 0.9});
  auto auc = [&](metrics::AUCOptions options) {
    options.num_thresholds = 3;
    metrics::AUC m(options);
    m.update_state(y_true, y_pred);
    return m.result().item<double>();
  };
  // tp [2,1,0], fp [2,0,0], fn [0,1,2]: Davis-Goadrich interpolation, by hand.
  const double pr = (1.0 / 3.0) * (1.0 + (2.0 / 3.0) * std::log(4.0)) / 2.0 + 0.5;
  EXPECT_NEAR(auc({.curve = "PR"}), pr, 1e-6);
  EXPECT_NEAR(auc({.curve = "PR", .summation_method = "minoring"}), 0.25, 1e-6);
  EXPECT_NEAR(auc({.curve = "PR", .summation_method = "majoring"}), 1.0, 1e-6);
  EXPECT_NEAR(auc({.curve = "ROC", .summation_method = "minoring"}), 0.5, 1e-6);
  EXPECT_NEAR(auc({.curve = "roc", .summation_method = "majoring"}), 1.0, 1e-6);
  expect_error<ValueError>([] { metrics::AUC({.curve = "DET"}); }, "curve \"ROC\" or \"PR\"");

  metrics::AUC given({.thresholds = {0.5}});
  given.update_state(y_true, y_pred);
  expect_values(given.result(), {0.75});
  const auto config = given.get_config();
  EXPECT_EQ(config["num_thresholds"], 3);
  EXPECT_EQ(config["thresholds"], nlohmann::json::parse("[0.5]"));
  EXPECT_EQ(config["curve"], "ROC");
  EXPECT_EQ(config["summation_method"], "interpolation");
}

TEST(Confusion, StateIsASum) {
  auto feed_a = [](metrics::Metric& m) {
    m.update_state(constant({0, 1, 1, 0}), constant({0.6, 0.2, 0.8, 0.1}));
  };
  auto feed_b = [](metrics::Metric& m) {
    m.update_state(constant({1, 0, 1}), constant({0.7, 0.9, 0.4}), constant({1.0, 2.0, 0.5}));
  };
  expect_state_sums([] { return std::make_shared<metrics::Precision>(); }, feed_a, feed_b);
  expect_state_sums([] { return std::make_shared<metrics::Recall>(); }, feed_a, feed_b);
  expect_state_sums([] { return std::make_shared<metrics::AUC>(); }, feed_a, feed_b);
  expect_state_sums(
      [] { return std::make_shared<metrics::AUC>(metrics::AUCOptions{.curve = "PR"}); }, feed_a,
      feed_b);
}

}  // namespace
}  // namespace tandem
