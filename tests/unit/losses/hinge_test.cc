// Hinge losses against Keras's docstring examples and hand-computed values.
#include "tandem/losses/hinge.h"

#include <gtest/gtest.h>

#include <vector>

#include "tandem/tandem.h"
#include "testing/assertions.h"
#include "testing/gradient_check.h"

namespace tandem::losses {
namespace {

using testing::expect_error;
using testing::expect_values;

Tensor f64(const Literal& value) { return constant(value, float64); }

TEST(Hinge, KerasExampleConvertsZeroOneLabels) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  // Labels become [[-1, 1], [-1, -1]]: margins [1.6, 0.6] and [1.4, 1.6].
  Hinge h;
  EXPECT_EQ(h.name(), "hinge");
  EXPECT_NEAR(h(y_true, y_pred).item<double>(), 1.3, 1e-6);
  EXPECT_NEAR(h(y_true, y_pred, constant({1.0, 0.0})).item<double>(), 0.55, 1e-6);
  EXPECT_NEAR(Hinge({.reduction = Reduction::sum})(y_true, y_pred).item<double>(), 2.6, 1e-6);
  expect_values(Hinge({.reduction = Reduction::none})(y_true, y_pred), {1.1, 1.5}, 1e-6);
  // Integer {0, 1} labels convert too; {-1, 1} labels are used as they are.
  expect_values(hinge(constant({{0, 1}, {0, 0}}, int32), y_pred), {1.1, 1.5}, 1e-6);
  expect_values(hinge(f64({{-1.0, 1.0}, {1.0, 1.0}}), f64({{0.6, 0.4}, {2.0, -0.5}})),
                {(1.6 + 0.6) / 2, (0.0 + 1.5) / 2}, 1e-12);
}

TEST(SquaredHinge, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  SquaredHinge h;
  EXPECT_NEAR(h(y_true, y_pred).item<double>(), 1.86, 1e-6);
  EXPECT_NEAR(h(y_true, y_pred, constant({1.0, 0.0})).item<double>(), 0.73, 1e-6);
  EXPECT_NEAR(SquaredHinge({.reduction = Reduction::sum})(y_true, y_pred).item<double>(), 3.72,
              1e-6);
  expect_values(squared_hinge(y_true, y_pred), {1.46, 2.26}, 1e-6);
}

TEST(CategoricalHinge, KerasExample) {
  Tensor y_true = constant({{0.0, 1.0}, {0.0, 0.0}});
  Tensor y_pred = constant({{0.6, 0.4}, {0.4, 0.6}});
  // Row 1: neg 0.6, pos 0.4 -> 1.2; row 2: neg 0.6, pos 0 -> 1.6.
  CategoricalHinge h;
  EXPECT_EQ(h.name(), "categorical_hinge");
  EXPECT_NEAR(h(y_true, y_pred).item<double>(), 1.4, 1e-6);
  EXPECT_NEAR(h(y_true, y_pred, constant({1.0, 0.0})).item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(CategoricalHinge({.reduction = Reduction::sum})(y_true, y_pred).item<double>(), 2.8,
              1e-6);
  expect_values(categorical_hinge(y_true, y_pred), {1.2, 1.6}, 1e-6);
  // A confident correct prediction has no loss.
  expect_values(categorical_hinge(f64({{0.0, 0.0, 1.0}}), f64({{0.1, -2.0, 3.0}})), {0.0}, 1e-12);
}

TEST(HingeLosses, Gradients) {
  // Labels as float32 (not checked); predictions away from the kinks of max(., 0) and max.
  Tensor labels = constant({{0.0, 1.0, 1.0}, {1.0, 0.0, 0.0}});
  Tensor signed_labels = constant({{-1.0, 1.0, 1.0}, {1.0, -1.0, 1.0}});
  Tensor y_pred = f64({{0.3, 0.4, 2.5}, {-0.7, 0.2, 0.9}});
  Tensor weights = f64({0.6, 1.7});
  Hinge hinge_loss;
  SquaredHinge squared;
  CategoricalHinge categorical;
  for (const Loss* loss : std::vector<const Loss*>{&hinge_loss, &squared, &categorical}) {
    for (const Tensor& t : {labels, signed_labels}) {
      SCOPED_TRACE(loss->class_name());
      testing::check_gradients(
          [&](const std::vector<Tensor>& in) { return (*loss)(in[0], in[1], weights); },
          {t, y_pred});
    }
  }
  // y_true is differentiable too where the labels are not {0, 1}.
  testing::check_gradients([&](const std::vector<Tensor>& in) { return hinge_loss(in[0], in[1]); },
                           {f64({{-1.0, 0.5}, {2.0, -0.3}}), f64({{0.3, 0.4}, {0.2, 0.9}})});
}

TEST(HingeLosses, BadInputs) {
  expect_error<ShapeError>(
      [] {
        Hinge()(zeros({32, 1}), zeros({32, 10}));
      },
      "Hinge expected y_true and y_pred of the same shape, received [32, 1] "
      "and [32, 10]");
  expect_error<TypeError>(
      [] {
        categorical_hinge(zeros({2, 2}), zeros({2, 2}, int32));
      },
      "categorical_hinge expected a floating-point y_pred");
}

}  // namespace
}  // namespace tandem::losses
