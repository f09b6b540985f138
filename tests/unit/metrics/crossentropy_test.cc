// The crossentropy metrics, with the Keras docstring values and a second batch by hand.
#include "tandem/metrics/crossentropy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metric_testing.h"
#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_state_sums;
using testing::expect_values;

TEST(BinaryCrossentropy, TwoBatches) {
  const Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  const Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  const double row0 = -std::log(0.4);
  const double row1 = -(std::log(0.6) + std::log(0.4)) / 2;
  const double row2 = -(std::log(0.9) + std::log(0.8)) / 2;
  metrics::BinaryCrossentropy m;
  EXPECT_EQ(m.name(), "binary_crossentropy");
  m.update_state(y_true, y_pred);
  expect_values(m.result(), {0.81492424}, 1e-5);  // Keras docstring
  m.update_state(constant({{1.0, 1.0}}), constant({{0.9, 0.8}}));
  expect_values(m.result(), {(row0 + row1 + row2) / 3}, 1e-5);

  metrics::BinaryCrossentropy w;
  w.update_state(y_true, y_pred, constant({1.0, 0.0}));
  expect_values(w.result(), {0.9162905}, 1e-5);  // Keras docstring
  w.update_state(constant({{1.0, 1.0}}), constant({{0.9, 0.8}}), constant({2.0}));
  expect_values(w.result(), {(row0 + 2 * row2) / 3}, 1e-5);

  metrics::BinaryCrossentropy logits({.from_logits = true});
  logits.update_state(constant({{1.0}}), constant({{0.0}}));
  expect_values(logits.result(), {std::log(2.0)}, 1e-6);
  EXPECT_EQ(logits.get_config()["from_logits"], true);
}

TEST(CategoricalCrossentropy, TwoBatches) {
  const Tensor y_true = constant({{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}});
  const Tensor y_pred = constant({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}});
  metrics::CategoricalCrossentropy m;
  m.update_state(y_true, y_pred);
  expect_values(m.result(), {1.1769392}, 1e-5);  // Keras docstring
  m.update_state(constant({{1.0, 0.0, 0.0}}), constant({{0.5, 0.25, 0.25}}));
  expect_values(m.result(), {(-std::log(0.95) - std::log(0.1) - std::log(0.5)) / 3}, 1e-5);

  metrics::CategoricalCrossentropy w;
  w.update_state(y_true, y_pred, constant({0.3, 0.7}));
  expect_values(w.result(), {1.6271976}, 1e-5);  // Keras docstring
  EXPECT_EQ(w.get_config()["axis"], -1);
}

TEST(SparseCategoricalCrossentropy, LabelsAndIgnoreClass) {
  const Tensor y_pred = constant({{0.05, 0.95, 0.0}, {0.1, 0.8, 0.1}});
  metrics::SparseCategoricalCrossentropy m;
  m.update_state(constant({1, 2}), y_pred);
  expect_values(m.result(), {1.1769392}, 1e-5);                      // Keras docstring
  m.update_state(constant({{0.0}}), constant({{0.5, 0.25, 0.25}}));  // [batch, 1] float labels
  expect_values(m.result(), {(-std::log(0.95) - std::log(0.1) - std::log(0.5)) / 3}, 1e-5);

  metrics::SparseCategoricalCrossentropy w;
  w.update_state(constant({1, 2}), y_pred, constant({0.3, 0.7}));
  expect_values(w.result(), {1.6271976}, 1e-5);  // Keras docstring

  metrics::SparseCategoricalCrossentropy ignore({.ignore_class = 2});
  ignore.update_state(constant({1, 2}), y_pred);
  expect_values(ignore.result(), {-std::log(0.95)}, 1e-5);
  expect_values(ignore.variables()[1], {1.0});  // the ignored example is not counted
  ignore.update_state(constant({{0}, {2}}), constant({{0.5, 0.25, 0.25}, {0.1, 0.1, 0.8}}),
                      constant({3.0, 5.0}));
  expect_values(ignore.result(), {(-std::log(0.95) - 3 * std::log(0.5)) / 4}, 1e-5);
}

TEST(Crossentropy, StateIsASum) {
  expect_state_sums([] { return std::make_shared<metrics::SparseCategoricalCrossentropy>(); },
                    [](metrics::Metric& m) {
                      m.update_state(constant({0, 1}), constant({{0.7, 0.3}, {0.4, 0.6}}));
                    },
                    [](metrics::Metric& m) {
                      m.update_state(constant({1}), constant({{0.2, 0.8}}), constant({2.0}));
                    },
                    1e-5);
}

}  // namespace
}  // namespace tandem
