#include "tandem/ops/pooling.h"

#include <gtest/gtest.h>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

Tensor iota(const Shape& shape, DType dtype = float64) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i + 1);
  return cast(Tensor::from_vector(v, shape), dtype);
}

// Distinct values in a scrambled order, so every window has a unique maximum away from ties.
Tensor scrambled(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37) % 101) / 10.0;
  return Tensor::from_vector(v, shape);
}

TEST(MaxPool2D, ValidHandComputed) {
  Tensor y = max_pool2d(iota({1, 4, 4, 1}), 2, 2, "VALID");
  EXPECT_EQ(y.shape(), Shape({1, 2, 2, 1}));
  expect_values(y, {6, 8, 14, 16});
}

TEST(MaxPool2D, SamePaddingIgnoresPaddedCells) {
  Tensor x = iota({1, 3, 3, 1}) - 20.0;  // all negative: a zero-padded max would give 0
  Tensor y = max_pool2d(x, 2, 2, "SAME");
  EXPECT_EQ(y.shape(), Shape({1, 2, 2, 1}));
  expect_values(y, {-15, -14, -12, -11});
}

TEST(MaxPool2D, ChannelsAreIndependentAndTfListFormsWork) {
  // Channel 0 counts up, channel 1 counts down.
  std::vector<double> v;
  for (int i = 0; i < 16; ++i) {
    v.push_back(i);
    v.push_back(-i);
  }
  Tensor x = Tensor::from_vector(v, {1, 4, 4, 2});
  Tensor y = max_pool2d(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  expect_values(y, {5, 0, 7, -2, 13, -8, 15, -10});
}

TEST(MaxPool2D, IntegerAndHalfDtypes) {
  Tensor y = max_pool2d(iota({1, 4, 4, 1}, int32), 2, 2, "VALID");
  EXPECT_EQ(y.dtype(), int32);
  EXPECT_EQ(y.to_vector<int32_t>(), (std::vector<int32_t>{6, 8, 14, 16}));
  Tensor h = max_pool2d(iota({1, 4, 4, 1}, float16), {2, 2}, {2, 2}, "VALID");
  EXPECT_EQ(h.dtype(), float16);
  expect_values(h, {6, 8, 14, 16});
}

TEST(MaxPool2D, GradientGoesToFirstMaximum) {
  Tensor x = ones({1, 2, 2, 1}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = max_pool2d(x, 2, 2, "VALID");
  expect_values(*tape.gradient(y, x), {1, 0, 0, 0});
}

TEST(MaxPool2D, OverlappingWindowsAccumulate) {
  Tensor x = reshape(constant({1.0, 3.0, 2.0}, float64), {1, 1, 3, 1});
  GradientTape tape;
  tape.watch(x);
  Tensor y = max_pool2d(x, {1, 2}, 1, "VALID");
  expect_values(y, {3, 3});
  expect_values(*tape.gradient(y, x), {0, 2, 0});
}

TEST(MaxPool2D, NumericGradients) {
  check_gradients([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 2, 2, "VALID"); },
                  {scrambled({2, 4, 4, 3})});
  check_gradients([](const std::vector<Tensor>& v) { return max_pool2d(v[0], 3, 2, "SAME"); },
                  {scrambled({1, 5, 6, 2})});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        return max_pool2d(v[0], {2, 3}, 1, "SAME");
      },
      {scrambled({1, 4, 5, 2})});
}

TEST(MaxPool2D, GradientOfGradient) {
  // The backward pass routes dy linearly; differentiating it w.r.t. dy gathers at the argmax.
  Tensor x = scrambled({1, 4, 4, 2});
  check_gradients(
      [x](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(x);
        Tensor y = reduce_sum(max_pool2d(x, 2, 2, "SAME") * v[0]);
        return *inner.gradient(y, x);
      },
      {scrambled({1, 2, 2, 2}) + 1.0});
}

TEST(AvgPool2D, ValidHandComputed) {
  Tensor y = avg_pool2d(iota({1, 4, 4, 1}), 2, 2, "VALID");
  expect_values(y, {3.5, 5.5, 11.5, 13.5});
}

TEST(AvgPool2D, SamePaddingExcludesPaddedCellsFromTheCount) {
  Tensor y = avg_pool2d(iota({1, 3, 3, 1}), 2, 2, "SAME");
  EXPECT_EQ(y.shape(), Shape({1, 2, 2, 1}));
  expect_values(y, {3, 4.5, 7.5, 9});
  Tensor z = avg_pool2d(iota({1, 3, 3, 1}), 3, 1, "SAME");
  // Corner windows hold 4 cells, edges 6, the centre 9.
  expect_values(z, {3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7});
}

TEST(AvgPool2D, GradientValuesAndNumericChecks) {
  Tensor x = iota({1, 3, 3, 1});
  GradientTape tape;
  tape.watch(x);
  Tensor y = avg_pool2d(x, 2, 2, "SAME");
  // Windows of 4, 2, 2 and 1 cells share their gradient among the cells they cover.
  expect_values(*tape.gradient(y, x), {0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1});
  check_gradients([](const std::vector<Tensor>& v) { return avg_pool2d(v[0], 3, 2, "SAME"); },
                  {scrambled({2, 5, 5, 2})});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        return avg_pool2d(v[0], {2, 3}, 1, "VALID");
      },
      {scrambled({1, 4, 5, 3})});
}

TEST(AvgPool2D, GradientOfGradient) {
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[0]);
        Tensor y = reduce_sum(square(avg_pool2d(v[0], 2, 1, "SAME")));
        return *inner.gradient(y, v[0]);
      },
      {scrambled({1, 3, 3, 2})});
}

TEST(Pool2D, Errors) {
  expect_error<ValueError>(
      [] {
        max_pool2d(zeros({4, 4, 1}), 2, 2, "VALID");
      },
      "max_pool2d: expected input of rank 4 [batch, height, width, channels], "
      "received shape [4,4,1]");
  expect_error<ValueError>(
      [] {
        avg_pool2d(zeros({1, 4, 4, 1}), 0, 2, "VALID");
      },
      "avg_pool2d: ksize must be positive, received [0]");
  expect_error<ValueError>(
      [] {
        max_pool2d(zeros({1, 4, 4, 1}), 2, 2, "FULL");
      },
      "max_pool2d: padding must be \"SAME\" or \"VALID\", received \"FULL\"");
  expect_error<ValueError>(
      [] {
        max_pool2d(zeros({1, 4, 4, 1}), {2, 2, 2, 1}, 2, "VALID");
      },
      "ksize in the batch and channel dimensions must be 1");
  expect_error<ValueError>(
      [] {
        avg_pool2d(zeros({1, 4, 2, 1}), 3, 1, "VALID");
      },
      "avg_pool2d: the width of the input (2) is smaller than the window (3)");
  expect_error<TypeError>(
      [] {
        avg_pool2d(zeros({1, 4, 4, 1}, int32), 2, 2, "VALID");
      },
      "avg_pool2d: expected a floating-point tensor");
  expect_error<TypeError>(
      [] {
        max_pool2d(zeros({1, 4, 4, 1}, bool_), 2, 2, "VALID");
      },
      "max_pool2d: expected dtype in");
}

}  // namespace
}  // namespace tandem
