// The accuracy family, with the Keras docstring values and a second batch computed by hand.
#include "tandem/metrics/accuracy.h"

#include <gtest/gtest.h>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_state_sums;
using testing::expect_values;

TEST(Accuracy, TwoBatches) {
  metrics::Accuracy m;
  EXPECT_EQ(m.name(), "accuracy");
  m.update_state(constant({{1}, {2}, {3}, {4}}), constant({{0}, {2}, {3}, {4}}));
  expect_values(m.result(), {0.75});
  m.update_state(constant({{1}, {2}}), constant({{1}, {0}}));
  expect_values(m.result(), {4.0 / 6.0});

  metrics::Accuracy w;
  w.update_state(constant({{1}, {2}, {3}, {4}}), constant({{0}, {2}, {3}, {4}}),
                 constant({1.0, 1.0, 0.0, 0.0}));
  expect_values(w.result(), {0.5});
  w.update_state(constant({{1}, {2}}), constant({{1}, {0}}), constant({2.0, 1.0}));
  expect_values(w.result(), {3.0 / 5.0});
  w.reset_state();
  expect_values(w.result(), {0.0});
  expect_error<ValueError>(
      [] {
        metrics::accuracy(constant({1, 2}), constant({1}));
      },
      "same shape");
}

TEST(Accuracy, CalledAsAFunction) {
  // Keras: m = Accuracy(); m([[1], [2]], [[1], [0]]) -> 0.5; a second call keeps streaming.
  metrics::Accuracy m;
  expect_values(m(constant({{1}, {2}}), constant({{1}, {0}})), {0.5});
  expect_values(m(constant({{3}}), constant({{3}}), constant({2.0})), {3.0 / 4.0});
}

TEST(BinaryAccuracy, TwoBatchesAndThreshold) {
  metrics::BinaryAccuracy m;
  m.update_state(constant({{1}, {1}, {0}, {0}}), constant({{0.98}, {1.0}, {0.0}, {0.6}}));
  expect_values(m.result(), {0.75});
  m.update_state(constant({{1}, {0}}), constant({{0.4}, {0.2}}));
  expect_values(m.result(), {4.0 / 6.0});

  metrics::BinaryAccuracy w;
  w.update_state(constant({{1}, {1}, {0}, {0}}), constant({{0.98}, {1.0}, {0.0}, {0.6}}),
                 constant({1.0, 0.0, 0.0, 1.0}));
  expect_values(w.result(), {0.5});
  w.update_state(constant({{1}, {0}}), constant({{0.4}, {0.2}}), constant({1.0, 1.0}));
  expect_values(w.result(), {0.5});

  metrics::BinaryAccuracy strict({.threshold = 0.7});
  strict.update_state(constant({{1}, {1}, {0}, {0}}), constant({{0.98}, {1.0}, {0.0}, {0.6}}));
  expect_values(strict.result(), {1.0});
  EXPECT_EQ(strict.get_config(),
            nlohmann::json::parse(
                R"({"name": "binary_accuracy", "dtype": "float32", "threshold": 0.7})"));
  // The function averages over the last axis, as Keras 2.11's.
  expect_values(metrics::binary_accuracy(constant({{1.0, 0.0}, {1.0, 1.0}}),
                                         constant({{0.9, 0.2}, {0.3, 0.8}})),
                {1.0, 0.5});
}

TEST(CategoricalAccuracy, TwoBatches) {
  const Tensor y_true = constant({{0.0, 0.0, 1.0}, {0.0, 1.0, 0.0}});
  const Tensor y_pred = constant({{0.1, 0.9, 0.8}, {0.05, 0.95, 0.0}});
  metrics::CategoricalAccuracy m;
  m.update_state(y_true, y_pred);
  expect_values(m.result(), {0.5});
  m.update_state(constant({{1.0, 0.0, 0.0}}), constant({{0.6, 0.3, 0.1}}));
  expect_values(m.result(), {2.0 / 3.0});

  metrics::CategoricalAccuracy w;
  w.update_state(y_true, y_pred, constant({0.7, 0.3}));
  expect_values(w.result(), {0.3});
  w.update_state(constant({{1.0, 0.0, 0.0}}), constant({{0.6, 0.3, 0.1}}), constant({0.5}));
  expect_values(w.result(), {0.8 / 1.5});
}

TEST(SparseCategoricalAccuracy, LabelShapesAndDtypes) {
  const Tensor y_pred = constant({{0.1, 0.6, 0.3}, {0.05, 0.95, 0.0}});
  metrics::SparseCategoricalAccuracy m;
  m.update_state(constant({{2.0}, {1.0}}), y_pred);  // [batch, 1] float labels
  expect_values(m.result(), {0.5});
  m.update_state(constant({0}, int64), constant({{0.6, 0.3, 0.1}}));  // [batch] int labels
  expect_values(m.result(), {2.0 / 3.0});

  metrics::SparseCategoricalAccuracy w;
  w.update_state(constant({2, 1}), y_pred, constant({0.7, 0.3}));  // int32 [batch]
  expect_values(w.result(), {0.3});
  w.update_state(constant({{1}}), constant({{0.6, 0.3, 0.1}}), constant({0.5}));  // int32 [b, 1]
  expect_values(w.result(), {0.3 / 1.5});
  expect_values(metrics::sparse_categorical_accuracy(constant({{2}, {1}}), y_pred), {0.0, 1.0});
}

TEST(TopKCategoricalAccuracy, KAndTies) {
  const Tensor y_true = constant({{0.0, 0.0, 1.0}, {0.0, 1.0, 0.0}});
  const Tensor y_pred = constant({{0.1, 0.9, 0.8}, {0.05, 0.95, 0.0}});
  metrics::TopKCategoricalAccuracy top1({.k = 1});
  top1.update_state(y_true, y_pred);
  expect_values(top1.result(), {0.5});
  top1.update_state(constant({{1.0, 0.0, 0.0}}), constant({{0.2, 0.5, 0.3}}));
  expect_values(top1.result(), {1.0 / 3.0});

  metrics::TopKCategoricalAccuracy w({.k = 1});
  w.update_state(y_true, y_pred, constant({0.7, 0.3}));
  expect_values(w.result(), {0.3});

  metrics::TopKCategoricalAccuracy top2({.k = 2});
  top2.update_state(y_true, y_pred);
  top2.update_state(constant({{1.0, 0.0, 0.0}}), constant({{0.2, 0.5, 0.3}}));
  expect_values(top2.result(), {2.0 / 3.0});
  metrics::TopKCategoricalAccuracy top5;  // k = 5 > 3 classes: everything is in the top 5
  top5.update_state(y_true, y_pred);
  expect_values(top5.result(), {1.0});
  EXPECT_EQ(top5.get_config()["k"], 5);
  // Ties at the boundary count as in the top k, as in tf.math.in_top_k.
  expect_values(
      metrics::sparse_top_k_categorical_accuracy(constant({2}), constant({{0.5, 0.5, 0.5}}), 1),
      {1.0});
  expect_error<ValueError>([] { metrics::TopKCategoricalAccuracy({.k = 0}); }, "k >= 1");
}

TEST(SparseTopKCategoricalAccuracy, TwoBatches) {
  const Tensor y_pred = constant({{0.1, 0.9, 0.8}, {0.05, 0.95, 0.0}});
  metrics::SparseTopKCategoricalAccuracy m({.k = 1});
  m.update_state(constant({2, 1}), y_pred);
  expect_values(m.result(), {0.5});
  m.update_state(constant({{0.0}}), constant({{0.2, 0.5, 0.3}}));
  expect_values(m.result(), {1.0 / 3.0});

  metrics::SparseTopKCategoricalAccuracy w({.k = 1});
  w.update_state(constant({2, 1}), y_pred, constant({0.7, 0.3}));
  expect_values(w.result(), {0.3});
  w.update_state(constant({0}), constant({{0.2, 0.5, 0.3}}), constant({1.0}));
  expect_values(w.result(), {0.3 / 2.0});
  EXPECT_EQ(w.name(), "sparse_top_k_categorical_accuracy");
}

TEST(Accuracy, StateIsASum) {
  auto make = [] { return std::make_shared<metrics::CategoricalAccuracy>(); };
  expect_state_sums(
      make,
      [](metrics::Metric& m) {
        m.update_state(constant({{0.0, 1.0}, {1.0, 0.0}, {1.0, 0.0}}),
                       constant({{0.2, 0.8}, {0.3, 0.7}, {0.9, 0.1}}));
      },
      [](metrics::Metric& m) {
        m.update_state(constant({{0.0, 1.0}}), constant({{0.6, 0.4}}), constant({3.0}));
      });
}

}  // namespace
}  // namespace tandem
