#include "tandem/ops/cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

Tensor sample(const Shape& shape, double phase = 0.0, double scale = 2.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = scale * std::sin(0.9 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

// Rows of positive label weights; normalised unless `normalise` is false.
Tensor distribution(const Shape& shape, bool normalise = true) {
  Tensor raw = exp(sample(shape, 0.4, 1.0));
  return normalise ? raw / reduce_sum(raw, {.axis = std::vector<int64_t>{-1}, .keepdims = true})
                   : raw;
}

const double kLse123 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));

TEST(SoftmaxCrossEntropy, HandComputedValues) {
  Tensor logits = constant({{1.0, 2.0, 3.0}, {1.0, 2.0, 3.0}}, float64);
  Tensor labels = constant({{0.0, 0.0, 1.0}, {0.2, 0.3, 0.5}}, float64);
  Tensor loss = softmax_cross_entropy_with_logits(labels, logits);
  EXPECT_EQ(loss.shape(), Shape({2}));
  expect_values(loss, {kLse123 - 3.0, kLse123 - 2.3}, 1e-12);
}

TEST(SoftmaxCrossEntropy, GradientIsSoftmaxMinusLabels) {
  Tensor logits = constant({{1.0, 2.0, 3.0}}, float64);
  Tensor labels = constant({{0.0, 1.0, 0.0}}, float64);
  GradientTape tape;
  tape.watch({labels, logits});
  Tensor loss = softmax_cross_entropy_with_logits(labels, logits);
  auto g = tape.gradient(loss, {labels, logits});
  std::vector<double> sm = {std::exp(1 - kLse123), std::exp(2 - kLse123), std::exp(3 - kLse123)};
  expect_values(*g[1], {sm[0], sm[1] - 1, sm[2]}, 1e-12);
  // d loss / d labels = -log_softmax(logits).
  expect_values(*g[0], {kLse123 - 1, kLse123 - 2, kLse123 - 3}, 1e-12);
}

TEST(SoftmaxCrossEntropy, OtherAxis) {
  Tensor logits = sample({3, 4, 2});
  Tensor labels = distribution({3, 2, 4});
  Tensor along_1 = softmax_cross_entropy_with_logits(
      transpose(labels, std::vector<int64_t>{0, 2, 1}), logits, 1);
  EXPECT_EQ(along_1.shape(), Shape({3, 2}));
  Tensor last =
      softmax_cross_entropy_with_logits(labels, transpose(logits, std::vector<int64_t>{0, 2, 1}));
  expect_values(along_1, last.to_vector<double>(), 1e-12);
  Tensor along_0 = softmax_cross_entropy_with_logits(distribution({4, 5}), sample({4, 5}), 0);
  EXPECT_EQ(along_0.shape(), Shape({5}));
}

TEST(SoftmaxCrossEntropy, LargeLogitsStayFinite) {
  Tensor logits = constant({{1000.0, 0.0, -1000.0}, {1000.0, 0.0, -1000.0}});
  Tensor labels = constant({{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}});
  GradientTape tape;
  tape.watch(logits);
  Tensor loss = softmax_cross_entropy_with_logits(labels, logits);
  expect_values(loss, {0, 2000});
  expect_values(*tape.gradient(loss, logits), {0, 0, 0, 1, 0, -1});
}

TEST(SoftmaxCrossEntropy, NumericGradientsForLogitsAndLabels) {
  auto f = [](const std::vector<Tensor>& v) {
    return softmax_cross_entropy_with_logits(v[0], v[1]);
  };
  check_gradients(f, {distribution({3, 5}), sample({3, 5})});
  // Labels that are not a distribution: the gradient is softmax * sum(labels) - labels.
  check_gradients(f, {distribution({2, 4}, false), sample({2, 4}, 1.0)});
  check_gradients(
      [](const std::vector<Tensor>& v) { return softmax_cross_entropy_with_logits(v[0], v[1], 0); },
      {distribution({4, 3}), sample({4, 3})});
}

TEST(SoftmaxCrossEntropy, SecondOrderGradients) {
  // The fused backward pass is rebuilt from differentiable ops when an outer tape records it.
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[1]);
        Tensor loss = reduce_sum(softmax_cross_entropy_with_logits(v[0], v[1]));
        return *inner.gradient(loss, v[1]);
      },
      {distribution({2, 4}), sample({2, 4})});
}

TEST(SoftmaxCrossEntropy, Float32AndHalf) {
  Tensor logits = constant({{1.0, 2.0, 3.0}});
  Tensor labels = constant({{0.0, 0.0, 1.0}});
  expect_values(softmax_cross_entropy_with_logits(labels, logits), {kLse123 - 3.0}, 1e-6);
  Tensor h = softmax_cross_entropy_with_logits(cast(labels, float16), cast(logits, float16));
  EXPECT_EQ(h.dtype(), float16);
  expect_values(h, {kLse123 - 3.0}, 2e-3);
}

TEST(SoftmaxCrossEntropy, Errors) {
  expect_error<ShapeError>(
      [] {
        softmax_cross_entropy_with_logits(zeros({2, 4}), zeros({2, 3}));
      },
      "softmax_cross_entropy_with_logits: logits and labels must have the same shape, received "
      "logits [2,3] and labels [2,4]");
  expect_error<TypeError>(
      [] {
        softmax_cross_entropy_with_logits(zeros({2, 3}, float64), zeros({2, 3}));
      },
      "expected labels to have the logits' dtype float32, received float64");
  expect_error<TypeError>(
      [] {
        softmax_cross_entropy_with_logits(zeros({2, 3}, int32), zeros({2, 3}, int32));
      },
      "expected floating-point logits");
  expect_error<ValueError>(
      [] {
        softmax_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), 2);
      },
      "axis 2 is out of range");
  expect_error<ValueError>([] { softmax_cross_entropy_with_logits(zeros({}), zeros({})); },
                           "expected logits of rank >= 1");
}

TEST(SparseSoftmaxCrossEntropy, MatchesDenseWithOneHotLabels) {
  Tensor logits = sample({4, 5});
  Tensor labels = constant({0, 4, 2, 2});
  Tensor sparse = sparse_softmax_cross_entropy_with_logits(labels, logits);
  Tensor dense = softmax_cross_entropy_with_logits(one_hot(labels, 5, {.dtype = float64}), logits);
  EXPECT_EQ(sparse.shape(), Shape({4}));
  expect_values(sparse, dense.to_vector<double>(), 1e-12);
  Tensor row = constant({{1.0, 2.0, 3.0}}, float64);
  expect_values(sparse_softmax_cross_entropy_with_logits(constant({1}), row), {kLse123 - 2}, 1e-12);
}

TEST(SparseSoftmaxCrossEntropy, HigherRankAndInt64Labels) {
  Tensor logits = sample({2, 3, 4});
  Tensor labels = cast(constant({{0, 1, 3}, {3, 2, 0}}), int64);
  Tensor loss = sparse_softmax_cross_entropy_with_logits(labels, logits);
  EXPECT_EQ(loss.shape(), Shape({2, 3}));
  Tensor dense = softmax_cross_entropy_with_logits(one_hot(labels, 4, {.dtype = float64}), logits);
  expect_values(loss, dense.to_vector<double>(), 1e-12);
}

TEST(SparseSoftmaxCrossEntropy, GradientsAndLargeLogits) {
  Tensor labels = constant({2, 0, 1});
  check_gradients(
      [labels](const std::vector<Tensor>& v) {
        return sparse_softmax_cross_entropy_with_logits(labels, v[0]);
      },
      {sample({3, 4})});
  check_gradients(
      [labels](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[0]);
        Tensor loss = reduce_sum(sparse_softmax_cross_entropy_with_logits(labels, v[0]));
        return *inner.gradient(loss, v[0]);
      },
      {sample({3, 4})});
  Tensor big = constant({{1000.0, -1000.0}, {1000.0, -1000.0}});
  GradientTape tape;
  tape.watch(big);
  Tensor loss = sparse_softmax_cross_entropy_with_logits(constant({0, 1}), big);
  expect_values(loss, {0, 2000});
  expect_values(*tape.gradient(loss, big), {0, 0, 1, -1});
}

TEST(SparseSoftmaxCrossEntropy, Errors) {
  expect_error<ValueError>(
      [] {
        sparse_softmax_cross_entropy_with_logits(constant({1, 5}), zeros({2, 3}));
      },
      "sparse_softmax_cross_entropy_with_logits: received a label value of 5 (at index 1) which is "
      "outside the valid range of [0, 3)");
  expect_error<ValueError>(
      [] {
        sparse_softmax_cross_entropy_with_logits(constant({-1, 0}), zeros({2, 3}));
      },
      "label value of -1");
  expect_error<ShapeError>(
      [] {
        sparse_softmax_cross_entropy_with_logits(constant({1, 2, 0}), zeros({2, 3}));
      },
      "expected labels of shape [2] (the logits' shape [2,3] without the class dimension), "
      "received [3]");
  expect_error<TypeError>(
      [] {
        sparse_softmax_cross_entropy_with_logits(zeros({2}), zeros({2, 3}));
      },
      "expected int32 or int64 labels (class indices), received float32");
}

TEST(SigmoidCrossEntropy, HandComputedValuesIncludingExtremeLogits) {
  Tensor logits = constant({-1000.0, -1.0, 0.0, 1.0, 1000.0}, float64);
  Tensor labels = constant({0.0, 1.0, 0.5, 0.0, 1.0}, float64);
  const double l1 = 1 + std::log1p(std::exp(-1.0));
  expect_values(sigmoid_cross_entropy_with_logits(labels, logits), {0, l1, std::log(2.0), l1, 0},
                1e-12);
  GradientTape tape;
  tape.watch({labels, logits});
  Tensor loss = sigmoid_cross_entropy_with_logits(labels, logits);
  auto g = tape.gradient(loss, {labels, logits});
  const double s1 = 1 / (1 + std::exp(-1.0));
  expect_values(*g[1], {0, (1 - s1) - 1, 0, s1, 0}, 1e-12);  // sigmoid(x) - z
  expect_values(*g[0], {1000, 1, 0, -1, -1000}, 1e-12);      // -x
}

TEST(SigmoidCrossEntropy, NumericGradients) {
  auto f = [](const std::vector<Tensor>& v) {
    return sigmoid_cross_entropy_with_logits(v[0], v[1]);
  };
  Tensor labels = exp(sample({3, 4}, 0.1, 1.0)) / 3.0;
  check_gradients(f, {labels, sample({3, 4}, 0.5, 4.0)});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[1]);
        Tensor loss = reduce_sum(sigmoid_cross_entropy_with_logits(v[0], v[1]));
        return *inner.gradient(loss, v[1]);
      },
      {labels, sample({3, 4}, 0.5, 4.0)});
}

TEST(SigmoidCrossEntropy, Errors) {
  expect_error<ShapeError>(
      [] {
        sigmoid_cross_entropy_with_logits(zeros({2}), zeros({2, 3}));
      },
      "sigmoid_cross_entropy_with_logits: logits and labels must have the "
      "same shape, received logits [2,3] and labels [2]");
  expect_error<TypeError>([] { sigmoid_cross_entropy_with_logits(zeros({2}, int32), zeros({2})); },
                          "expected labels to have the logits' dtype float32, received int32");
}

}  // namespace
}  // namespace tandem
