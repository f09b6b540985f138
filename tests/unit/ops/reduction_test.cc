#include "tandem/ops/reduction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

constexpr double kInf = std::numeric_limits<double>::infinity();

// 0, 1, ..., n-1 (shifted and scaled) as float64 in the given shape.
Tensor iota(const Shape& shape, double scale = 1.0, double offset = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = offset + scale * static_cast<double>(i);
  return Tensor::from_vector(v, shape);
}

// Values with no ties and mixed signs, so max/min/prod gradients are smooth.
Tensor distinct(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = 0.3 + 0.7 * std::sin(1.3 * static_cast<double>(i) + 0.2) + 0.01 * static_cast<double>(i);
  }
  return Tensor::from_vector(v, shape);
}

// Brute-force reduction of a rank-3 tensor over the axes marked in `reduced` (keepdims layout).
std::vector<double> reference_reduce(const Tensor& x, const std::vector<bool>& reduced,
                                     const std::function<double(double, double)>& combine,
                                     double init) {
  std::vector<double> v = x.to_vector<double>();
  std::vector<int64_t> d = x.shape().as_list();
  std::vector<int64_t> od(3);
  for (int a = 0; a < 3; ++a) od[a] = reduced[a] ? 1 : d[a];
  std::vector<double> out(static_cast<size_t>(od[0] * od[1] * od[2]), init);
  for (int64_t i = 0; i < d[0]; ++i) {
    for (int64_t j = 0; j < d[1]; ++j) {
      for (int64_t k = 0; k < d[2]; ++k) {
        int64_t oi = reduced[0] ? 0 : i, oj = reduced[1] ? 0 : j, ok = reduced[2] ? 0 : k;
        double& slot = out[(oi * od[1] + oj) * od[2] + ok];
        slot = combine(slot, v[(i * d[1] + j) * d[2] + k]);
      }
    }
  }
  return out;
}

// ---- reduce_sum / mean / max / min / prod over axis lists ----

TEST(ReduceSum, AllAxesByDefault) {
  Tensor x = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, float64);
  Tensor y = reduce_sum(x);
  EXPECT_EQ(y.shape(), Shape({}));
  EXPECT_DOUBLE_EQ(y.item<double>(), 21.0);
  Tensor kept = reduce_sum(x, {.keepdims = true});
  EXPECT_EQ(kept.shape(), Shape({1, 1}));
  expect_values(kept, {21});
}

TEST(ReduceSum, SingleAxesAndNegativeAxes) {
  Tensor x = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, float64);
  expect_values(reduce_sum(x, {.axis = {{0}}}), {5, 7, 9});
  expect_values(reduce_sum(x, {.axis = {{1}}}), {6, 15});
  expect_values(reduce_sum(x, {.axis = {{-1}}}), {6, 15});
  expect_values(reduce_sum(x, {.axis = {{-2}}}), {5, 7, 9});
  Tensor kept = reduce_sum(x, {.axis = {{1}}, .keepdims = true});
  EXPECT_EQ(kept.shape(), Shape({2, 1}));
  expect_values(kept, {6, 15});
}

TEST(ReduceSum, EmptyAxisListReducesNothing) {
  Tensor x = constant({{1.0, 2.0}, {3.0, 4.0}}, float64);
  Tensor y = reduce_sum(x, {.axis = std::vector<int64_t>{}});
  EXPECT_EQ(y.shape(), Shape({2, 2}));
  expect_values(y, {1, 2, 3, 4});
}

TEST(Reduce, AxisListsOnRank3MatchBruteForce) {
  Tensor x = distinct(Shape{2, 3, 4});
  auto add = [](double a, double b) { return a + b; };
  auto mul = [](double a, double b) { return a * b; };
  auto mx = [](double a, double b) { return std::max(a, b); };
  auto mn = [](double a, double b) { return std::min(a, b); };
  // {0, 2} is not contiguous and takes the transpose path; {1, 2} and {0, 1} do not.
  std::vector<std::vector<int64_t>> axis_lists = {{0},    {1},    {2},       {0, 2},   {-1, 0},
                                                  {1, 2}, {0, 1}, {0, 1, 2}, {2, 0, 1}};
  for (const auto& axes : axis_lists) {
    std::vector<bool> reduced(3, false);
    for (int64_t a : axes) reduced[(a + 3) % 3] = true;
    int64_t count = 1;
    for (int a = 0; a < 3; ++a)
      if (reduced[a]) count *= x.shape()[a];
    std::vector<double> sum = reference_reduce(x, reduced, add, 0);
    std::vector<double> mean = sum;
    for (double& m : mean) m /= static_cast<double>(count);
    SCOPED_TRACE(::testing::PrintToString(axes));
    ReduceOptions keep{.axis = axes, .keepdims = true};
    expect_values(reduce_sum(x, keep), sum, 1e-12);
    expect_values(reduce_mean(x, keep), mean, 1e-12);
    expect_values(reduce_max(x, keep), reference_reduce(x, reduced, mx, -kInf), 1e-12);
    expect_values(reduce_min(x, keep), reference_reduce(x, reduced, mn, kInf), 1e-12);
    expect_values(reduce_prod(x, keep), reference_reduce(x, reduced, mul, 1), 1e-12);
    Shape kept_shape = reduce_sum(x, keep).shape();
    for (int a = 0; a < 3; ++a) EXPECT_EQ(kept_shape[a], reduced[a] ? 1 : x.shape()[a]);
    Tensor dropped = reduce_max(x, {.axis = axes});
    EXPECT_EQ(dropped.rank(), 3 - static_cast<int>(axes.size()));
    EXPECT_EQ(dropped.num_elements(), kept_shape.num_elements());
  }
}

TEST(Reduce, NonContiguousAxesKeepdimsFalseShape) {
  Tensor x = iota(Shape{2, 3, 4});
  Tensor y = reduce_sum(x, {.axis = {{0, 2}}});
  EXPECT_EQ(y.shape(), Shape({3}));
  // Row j sums x[i, j, k] = 12 i + 4 j + k over i < 2, k < 4: 8 * 4j + 2 * 6 + 4 * 12.
  expect_values(y, {60, 92, 124});
}

TEST(Reduce, SizeOneReducedAxisBetweenOthers) {
  // Axis 1 has size 1, so {0, 1} reduces one contiguous block of real data.
  Tensor x = iota(Shape{2, 1, 3});
  expect_values(reduce_sum(x, {.axis = {{0, 1}}}), {3, 5, 7});
  expect_values(reduce_max(x, {.axis = {{1}}}), {0, 1, 2, 3, 4, 5});
}

TEST(ReduceMean, FloatAndIntegerSemantics) {
  expect_values(reduce_mean(constant({{1.0, 2.0}, {4.0, 8.0}}, float64), {.axis = {{0}}}),
                {2.5, 5});
  // Integer means divide as integers, as in TensorFlow.
  Tensor ints = constant({{1, 2}, {4, 7}});
  Tensor m = reduce_mean(ints, {.axis = {{1}}});
  EXPECT_EQ(m.dtype(), int32);
  EXPECT_EQ(m.to_vector<int32_t>(), (std::vector<int32_t>{1, 5}));
}

TEST(Reduce, IntegerDtypesKeepTheirDtype) {
  Tensor i32 = constant({{3, -1, 4}, {1, -5, 9}});
  Tensor s = reduce_sum(i32, {.axis = {{1}}});
  EXPECT_EQ(s.dtype(), int32);
  EXPECT_EQ(s.to_vector<int32_t>(), (std::vector<int32_t>{6, 5}));
  Tensor i64 = constant({{3, -1, 4}, {1, -5, 9}}, int64);
  Tensor mx = reduce_max(i64, {.axis = {{0}}});
  EXPECT_EQ(mx.dtype(), int64);
  EXPECT_EQ(mx.to_vector<int64_t>(), (std::vector<int64_t>{3, -1, 9}));
  EXPECT_EQ(reduce_min(i64).item<int64_t>(), -5);
  EXPECT_EQ(reduce_prod(i32, {.axis = {{0}}}).to_vector<int32_t>(),
            (std::vector<int32_t>{3, 5, 36}));
  Tensor u8 = constant({200, 7, 13}, uint8);
  EXPECT_EQ(reduce_min(u8).dtype(), uint8);
  EXPECT_EQ(reduce_min(u8).item<int>(), 7);
  EXPECT_EQ(reduce_max(u8).item<int>(), 200);
}

TEST(Reduce, Float32SumIsAccurate) {
  // 2^20 values of 0.1: a float running sum drifts far more than this tolerance.
  Tensor x = fill(Shape{1 << 20}, 0.1, float32);
  EXPECT_NEAR(reduce_sum(x).item<double>(), 104857.6, 0.05);
  EXPECT_NEAR(reduce_mean(x).item<double>(), 0.1, 1e-6);
}

TEST(Reduce, ScalarInputReducesToItself) {
  Tensor x = constant(4.5, float64);
  EXPECT_DOUBLE_EQ(reduce_sum(x).item<double>(), 4.5);
  EXPECT_DOUBLE_EQ(reduce_max(x, {.keepdims = true}).item<double>(), 4.5);
  EXPECT_EQ(reduce_mean(x).shape(), Shape({}));
}

// ---- empty tensors ----

TEST(Reduce, EmptyTensorsGiveTheIdentity) {
  Tensor e = zeros(Shape{0, 3}, float64);
  Tensor s = reduce_sum(e, {.axis = {{0}}});
  EXPECT_EQ(s.shape(), Shape({3}));
  expect_values(s, {0, 0, 0});
  expect_values(reduce_prod(e, {.axis = {{0}}}), {1, 1, 1});
  EXPECT_EQ(reduce_max(e, {.axis = {{0}}}).to_vector<double>(),
            (std::vector<double>{-kInf, -kInf, -kInf}));
  EXPECT_EQ(reduce_min(e, {.axis = {{0}}}).to_vector<double>(),
            (std::vector<double>{kInf, kInf, kInf}));
  double nan = std::nan("");
  expect_values(reduce_mean(e, {.axis = {{0}}}), {nan, nan, nan});
  // Reducing the non-empty axis of an empty tensor gives an empty result.
  Tensor none = reduce_sum(e, {.axis = {{1}}});
  EXPECT_EQ(none.shape(), Shape({0}));
  EXPECT_DOUBLE_EQ(reduce_sum(e).item<double>(), 0.0);
}

TEST(Reduce, EmptyIntegerTensors) {
  Tensor e = zeros(Shape{0}, int32);
  EXPECT_EQ(reduce_sum(e).item<int32_t>(), 0);
  EXPECT_EQ(reduce_mean(e).item<int32_t>(), 0);  // TensorFlow's identity, not a division by zero
  EXPECT_EQ(reduce_max(e).item<int32_t>(), std::numeric_limits<int32_t>::lowest());
  EXPECT_EQ(reduce_min(e).item<int32_t>(), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(reduce_prod(e).item<int32_t>(), 1);
}

TEST(Reduce, EmptyBoolTensors) {
  Tensor e = zeros(Shape{2, 0}, bool_);
  EXPECT_EQ(reduce_any(e, {.axis = {{1}}}).to_vector<bool>(), (std::vector<bool>{false, false}));
  EXPECT_EQ(reduce_all(e, {.axis = {{1}}}).to_vector<bool>(), (std::vector<bool>{true, true}));
}

// ---- any / all ----

TEST(ReduceAnyAll, Values) {
  Tensor b = constant({{true, false, false}, {true, true, true}});
  EXPECT_EQ(reduce_any(b, {.axis = {{1}}}).to_vector<bool>(), (std::vector<bool>{true, true}));
  EXPECT_EQ(reduce_all(b, {.axis = {{1}}}).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(reduce_all(b, {.axis = {{0}}}).to_vector<bool>(),
            (std::vector<bool>{true, false, false}));
  EXPECT_EQ(reduce_any(b, {.axis = {{0}}, .keepdims = true}).shape(), Shape({1, 3}));
  EXPECT_FALSE(reduce_all(b).item<bool>());
  EXPECT_TRUE(reduce_any(b).item<bool>());
  EXPECT_FALSE(reduce_any(constant({false, false})).item<bool>());
  EXPECT_EQ(reduce_any(b).dtype(), bool_);
}

// ---- errors ----

TEST(Reduce, AxisOutOfRange) {
  Tensor x = zeros(Shape{2, 3}, float32);
  expect_error<ValueError>([&] { reduce_sum(x, {.axis = {{2}}}); },
                           "reduce_sum: axis 2 is out of range for a tensor of rank 2");
  expect_error<ValueError>(
      [&] {
        reduce_max(x, {.axis = {{0, -3}}});
      },
      "reduce_max: axis -3 is out of range");
  expect_error<ValueError>([&] { reduce_mean(constant(1.f), {.axis = {{0}}}); },
                           "reduce_mean: axis 0 is out of range for a scalar");
}

TEST(Reduce, DuplicateAxes) {
  Tensor x = zeros(Shape{2, 3}, float32);
  expect_error<ValueError>(
      [&] {
        reduce_sum(x, {.axis = {{1, -1}}});
      },
      "reduce_sum: axis 1 appears more than once");
}

TEST(Reduce, BoolVersusNumericDtypes) {
  Tensor b = constant({true, false});
  Tensor f = constant({1.f, 0.f});
  expect_error<TypeError>([&] { reduce_sum(b); },
                          "reduce_sum: expected a numeric tensor, received dtype bool");
  expect_error<TypeError>([&] { reduce_prod(b); }, "reduce_prod: expected a numeric tensor");
  expect_error<TypeError>([&] { reduce_any(f); },
                          "reduce_any: expected a bool tensor, received float32");
  expect_error<TypeError>(
      [&] {
        reduce_all(constant({1, 0}));
      },
      "reduce_all: expected a bool tensor, received int32");
  expect_error<TypeError>(
      [&] {
        reduce_max(constant({"a", "b"}));
      },
      "reduce_max: expected a numeric tensor, received dtype string");
}

TEST(Reduce, UndefinedTensor) {
  expect_error<ValueError>([&] { reduce_sum(Tensor()); }, "reduce_sum: input is an undefined");
}

// ---- gradients ----

TEST(ReduceGradient, SumAndMean) {
  for (const auto& axes : std::vector<std::optional<std::vector<int64_t>>>{
           std::nullopt, std::vector<int64_t>{0}, std::vector<int64_t>{-1},
           std::vector<int64_t>{0, 2}, std::vector<int64_t>{1, 2}}) {
    for (bool keep : {false, true}) {
      ReduceOptions o{.axis = axes, .keepdims = keep};
      check_gradients([&](const std::vector<Tensor>& in) { return reduce_sum(in[0], o); },
                      {distinct(Shape{2, 3, 4})});
      check_gradients([&](const std::vector<Tensor>& in) { return reduce_mean(in[0], o); },
                      {distinct(Shape{2, 3, 4})});
    }
  }
}

TEST(ReduceGradient, MeanValues) {
  Tensor x = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = reduce_mean(x, {.axis = {{1}}});
  expect_values(*tape.gradient(y, x), {1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3});
}

TEST(ReduceGradient, MaxMinAndProdWithoutTies) {
  for (const auto& axes : std::vector<std::optional<std::vector<int64_t>>>{
           std::nullopt, std::vector<int64_t>{1}, std::vector<int64_t>{0, 2}}) {
    for (bool keep : {false, true}) {
      ReduceOptions o{.axis = axes, .keepdims = keep};
      check_gradients([&](const std::vector<Tensor>& in) { return reduce_max(in[0], o); },
                      {distinct(Shape{2, 3, 4})});
      check_gradients([&](const std::vector<Tensor>& in) { return reduce_min(in[0], o); },
                      {distinct(Shape{2, 3, 4})});
      check_gradients([&](const std::vector<Tensor>& in) { return reduce_prod(in[0], o); },
                      {distinct(Shape{2, 3, 4})});
    }
  }
}

TEST(ReduceGradient, MaxTiesShareTheGradient) {
  Tensor x = constant({{1.0, 3.0, 3.0}, {2.0, 2.0, 2.0}}, float64);
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  Tensor y = reduce_max(x, {.axis = {{1}}});
  expect_values(*tape.gradient(y, x), {0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  Tensor z = reduce_min(x, {.axis = {{0}}});
  expect_values(*tape.gradient(z, x), {1, 0, 0, 0, 1, 1});
}

TEST(ReduceGradient, ProdWithZeros) {
  auto grad_of = [](const Tensor& x) {
    GradientTape tape;
    tape.watch(x);
    return *tape.gradient(reduce_prod(x, {.axis = {{1}}}), x);
  };
  // Row 0 has no zero (prod / x_i), row 1 one zero (only the zero gets the rest's product),
  // row 2 two zeros (everything 0).
  Tensor x = constant({{2.0, 4.0, 3.0}, {2.0, 0.0, 3.0}, {0.0, 5.0, 0.0}}, float64);
  expect_values(grad_of(x), {12, 6, 8, 0, 6, 0, 0, 0, 0});
  // prod is a polynomial, so central differences are exact even at the zeros.
  check_gradients([](const std::vector<Tensor>& in) { return reduce_prod(in[0], {.axis = {{1}}}); },
                  {x});
  check_gradients([](const std::vector<Tensor>& in) { return reduce_prod(in[0]); },
                  {constant({{2.0, 0.5}, {0.0, 3.0}}, float64)});
}

TEST(ReduceGradient, SecondOrderThroughProd) {
  // The gradient of prod(x) is {x1 x2, x0 x2, x0 x1}; an outer tape differentiates its sum.
  Tensor x = constant({2.0, 3.0, 5.0}, float64);
  GradientTape outer;
  outer.watch(x);
  Tensor g;
  {
    GradientTape inner;
    inner.watch(x);
    g = *inner.gradient(reduce_prod(x), x);  // {15, 10, 6}
  }
  expect_values(g, {15, 10, 6});
  // d/dx sum(g) = {x1 + x2, x0 + x2, x0 + x1}.
  expect_values(*outer.gradient(reduce_sum(g), x), {8, 7, 5});
}

TEST(ReduceGradient, IntegerInputsAreNotRecorded) {
  Tensor x = constant({1, 2, 3});
  GradientTape tape;
  tape.watch(x);
  Tensor y = reduce_sum(x);
  EXPECT_EQ(y.item<int32_t>(), 6);
  EXPECT_FALSE(tape.gradient(y, x).has_value());
}

// ---- reduce_logsumexp ----

TEST(ReduceLogSumExp, Values) {
  Tensor x = constant({{1.0, 2.0, 3.0}, {0.0, 0.0, 0.0}}, float64);
  expect_values(reduce_logsumexp(x, {.axis = {{1}}}),
                {std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), std::log(3.0)}, 1e-12);
  expect_values(
      reduce_logsumexp(x, {.axis = {{0}}}),
      {std::log(std::exp(1.0) + 1), std::log(std::exp(2.0) + 1), std::log(std::exp(3.0) + 1)},
      1e-12);
  Tensor all = reduce_logsumexp(x);
  EXPECT_EQ(all.shape(), Shape({}));
  EXPECT_NEAR(all.item<double>(), std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + 3.0),
              1e-12);
  Tensor kept = reduce_logsumexp(x, {.axis = {{-1}}, .keepdims = true});
  EXPECT_EQ(kept.shape(), Shape({2, 1}));
}

TEST(ReduceLogSumExp, AxisListOnRank3) {
  Tensor x = distinct(Shape{2, 3, 4});
  std::vector<double> v = x.to_vector<double>();
  Tensor y = reduce_logsumexp(x, {.axis = {{0, 2}}});
  ASSERT_EQ(y.shape(), Shape({3}));
  for (int j = 0; j < 3; ++j) {
    double s = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) s += std::exp(v[(i * 3 + j) * 4 + k]);
    EXPECT_NEAR(y.to_vector<double>()[j], std::log(s), 1e-12);
  }
}

TEST(ReduceLogSumExp, NumericallyStable) {
  Tensor big = constant({1000.f, 1000.f, 990.f});
  EXPECT_NEAR(reduce_logsumexp(big).item<double>(), 1000.0 + std::log(2.0 + std::exp(-10.0)), 1e-3);
  Tensor small = constant({-1000.0, -1000.0}, float64);
  EXPECT_NEAR(reduce_logsumexp(small).item<double>(), -1000.0 + std::log(2.0), 1e-12);
  // All -inf stays -inf (the infinite max is not subtracted), rather than NaN.
  Tensor neg_inf = constant({-kInf, -kInf}, float64);
  EXPECT_EQ(reduce_logsumexp(neg_inf).item<double>(), -kInf);
  Tensor pos_inf = constant({1.0, kInf}, float64);
  EXPECT_EQ(reduce_logsumexp(pos_inf).item<double>(), kInf);
}

TEST(ReduceLogSumExp, GradientIsSoftmax) {
  Tensor x = constant({1.0, 2.0, 3.0}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor g = *tape.gradient(reduce_logsumexp(x), x);
  double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_values(g, {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z}, 1e-12);
  for (const auto& axes : std::vector<std::optional<std::vector<int64_t>>>{
           std::nullopt, std::vector<int64_t>{1}, std::vector<int64_t>{0, 2}}) {
    for (bool keep : {false, true}) {
      check_gradients(
          [&](const std::vector<Tensor>& in) {
            return reduce_logsumexp(in[0], {.axis = axes, .keepdims = keep});
          },
          {distinct(Shape{2, 3, 4})});
    }
  }
}

TEST(ReduceLogSumExp, Errors) {
  expect_error<TypeError>(
      [] {
        reduce_logsumexp(constant({1, 2}));
      },
      "reduce_logsumexp: expected a floating-point tensor");
  expect_error<ValueError>(
      [] {
        reduce_logsumexp(constant({1.f, 2.f}), {.axis = {{1}}});
      },
      "reduce_logsumexp: axis 1 is out of range");
}

// ---- argmax / argmin ----

TEST(ArgMax, ValuesAxesAndTies) {
  Tensor x = constant({{1.f, 5.f, 5.f}, {7.f, 2.f, 7.f}});
  Tensor a0 = argmax(x);
  EXPECT_EQ(a0.dtype(), int64);
  EXPECT_EQ(a0.shape(), Shape({3}));
  EXPECT_EQ(a0.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));
  // The first index wins on ties.
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(argmax(x, -1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(argmin(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(argmin(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 0}));
  Tensor i32 = argmax(x, 1, int32);
  EXPECT_EQ(i32.dtype(), int32);
  EXPECT_EQ(i32.to_vector<int32_t>(), (std::vector<int32_t>{1, 0}));
}

TEST(ArgMax, MiddleAxisOfRank3AndIntegerInputs) {
  // x[i, j, k] = (j == (i + k) % 3) ? 10 + j : j.
  std::vector<int32_t> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) v.push_back(j == (i + k) % 3 ? 10 + j : j);
  Tensor x = Tensor::from_vector(v, Shape{2, 3, 4});
  Tensor a = argmax(x, 1);
  EXPECT_EQ(a.shape(), Shape({2, 4}));
  EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1}));
  // min is 0 at j = 0 unless j = 0 was boosted, then 1 (j = 1 holds 1 and is never boosted there).
  EXPECT_EQ(argmin(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 0, 1, 0, 0, 1, 0}));
  Tensor u8 = constant({3, 9, 9, 1}, uint8);
  EXPECT_EQ(argmax(u8).item<int64_t>(), 1);
  EXPECT_EQ(argmin(u8).item<int64_t>(), 3);
}

TEST(ArgMax, NaNFollowsTensorFlowsCpuRule) {
  // A NaN never compares greater, so it is chosen only from position 0.
  Tensor x = constant({1.0, std::nan(""), 3.0}, float64);
  EXPECT_EQ(argmax(x).item<int64_t>(), 2);
}

TEST(ArgMax, Errors) {
  Tensor x = zeros(Shape{2, 3});
  expect_error<ValueError>([&] { argmax(x, 2); }, "argmax: axis 2 is out of range");
  expect_error<ValueError>([&] { argmin(constant(1.f)); },
                           "argmin: expected a tensor of rank >= 1, received a scalar");
  expect_error<ValueError>(
      [&] {
        argmax(zeros(Shape{0, 3}), 0);
      },
      "argmax: reduction axis 0 is empty in shape [0,3]");
  expect_error<TypeError>([&] { argmax(x, 0, float32); },
                          "argmax: expected output_type int32 or int64, received float32");
  expect_error<TypeError>([&] { argmax(constant({"a"})); }, "argmax: expected a numeric tensor");
}

TEST(ArgMax, EmptyOtherAxis) {
  Tensor a = argmax(zeros(Shape{0, 3}), 1);
  EXPECT_EQ(a.shape(), Shape({0}));
}

// ---- cumsum ----

TEST(Cumsum, ExclusiveAndReverse) {
  Tensor x = constant({1.0, 2.0, 3.0, 4.0}, float64);
  expect_values(cumsum(x), {1, 3, 6, 10});
  expect_values(cumsum(x, 0, /*exclusive=*/true), {0, 1, 3, 6});
  expect_values(cumsum(x, 0, false, /*reverse=*/true), {10, 9, 7, 4});
  expect_values(cumsum(x, 0, true, true), {9, 7, 4, 0});
  EXPECT_EQ(cumsum(x).shape(), Shape({4}));
}

TEST(Cumsum, AxesOfAMatrix) {
  Tensor x = constant({{1, 2, 3}, {4, 5, 6}});
  Tensor rows = cumsum(x, 1);
  EXPECT_EQ(rows.dtype(), int32);
  EXPECT_EQ(rows.to_vector<int32_t>(), (std::vector<int32_t>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(cumsum(x, -1, true).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 3, 0, 4, 9}));
  EXPECT_EQ(cumsum(x, 0).to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(cumsum(x, 0, false, true).to_vector<int32_t>(),
            (std::vector<int32_t>{5, 7, 9, 4, 5, 6}));
  Tensor f32 = cumsum(constant({0.5f, 0.25f}), 0, false, true);
  EXPECT_EQ(f32.dtype(), float32);
  expect_values(f32, {0.75, 0.25});
}

TEST(Cumsum, EmptyAxis) {
  Tensor y = cumsum(zeros(Shape{2, 0}), 1);
  EXPECT_EQ(y.shape(), Shape({2, 0}));
}

TEST(Cumsum, Gradient) {
  Tensor x = constant({1.0, 2.0, 3.0}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = cumsum(x);
  // d sum(cumsum(x)) / dx_i = number of prefixes containing i.
  expect_values(*tape.gradient(y, x), {3, 2, 1});
  for (int64_t axis : {0, 1, -1}) {
    for (bool exclusive : {false, true}) {
      for (bool reverse : {false, true}) {
        check_gradients(
            [&](const std::vector<Tensor>& in) { return cumsum(in[0], axis, exclusive, reverse); },
            {distinct(Shape{3, 4})});
      }
    }
  }
}

TEST(Cumsum, Errors) {
  expect_error<ValueError>([] { cumsum(constant(1.f)); },
                           "cumsum: expected a tensor of rank >= 1, received a scalar");
  expect_error<ValueError>([] { cumsum(constant({1.f}), 1); }, "cumsum: axis 1 is out of range");
  expect_error<TypeError>([] { cumsum(constant({true})); },
                          "cumsum: expected a numeric tensor, received dtype bool");
}

// ---- softmax / log_softmax ----

TEST(Softmax, Values) {
  Tensor x = constant({{1.0, 2.0, 3.0}, {0.0, 0.0, 0.0}}, float64);
  Tensor y = softmax(x);
  expect_values(
      y, {0.09003057317038046, 0.24472847105479767, 0.6652409557748219, 1.0 / 3, 1.0 / 3, 1.0 / 3},
      1e-12);
  Tensor cols = softmax(x, 0);
  double a = 1 / (1 + std::exp(-1.0)), b = 1 / (1 + std::exp(-2.0)), c = 1 / (1 + std::exp(-3.0));
  expect_values(cols, {a, b, c, 1 - a, 1 - b, 1 - c}, 1e-12);
  Tensor ls = log_softmax(x);
  expect_values(ls,
                {std::log(0.09003057317038046), std::log(0.24472847105479767),
                 std::log(0.6652409557748219), -std::log(3.0), -std::log(3.0), -std::log(3.0)},
                1e-12);
}

TEST(Softmax, MiddleAxisOfRank3SumsToOne) {
  Tensor x = distinct(Shape{2, 3, 4});
  Tensor s = reduce_sum(softmax(x, 1), {.axis = {{1}}});
  expect_values(s, std::vector<double>(8, 1.0), 1e-12);
  std::vector<double> v = x.to_vector<double>(), got = softmax(x, 1).to_vector<double>();
  double z = std::exp(v[4 * 0 + 1]) + std::exp(v[4 * 1 + 1]) + std::exp(v[4 * 2 + 1]);
  EXPECT_NEAR(got[4 * 1 + 1], std::exp(v[4 * 1 + 1]) / z, 1e-12);
}

TEST(Softmax, NumericallyStable) {
  Tensor big = constant({1000.f, 1001.f, -1000.f});
  Tensor y = softmax(big);
  double e = std::exp(-1.0);
  expect_values(y, {e / (1 + e), 1 / (1 + e), 0}, 1e-6);
  expect_values(log_softmax(big), {-1 - std::log1p(e), -std::log1p(e), -2001 - std::log1p(e)},
                1e-6);
  Tensor half = softmax(constant({10000.0, 10000.0}, float16));
  expect_values(half, {0.5, 0.5}, 1e-3);
}

TEST(Softmax, Gradients) {
  for (int64_t axis : {-1, 0, 1}) {
    check_gradients([&](const std::vector<Tensor>& in) { return softmax(in[0], axis); },
                    {distinct(Shape{3, 4})});
    check_gradients([&](const std::vector<Tensor>& in) { return log_softmax(in[0], axis); },
                    {distinct(Shape{3, 4})});
  }
  check_gradients([](const std::vector<Tensor>& in) { return softmax(in[0], 1); },
                  {distinct(Shape{2, 3, 4})});
}

TEST(Softmax, SecondOrderGradient) {
  // f(x) = sum(w * softmax(x)); check d/dx of (df/dx . v) numerically via nested tapes.
  Tensor x = constant({0.3, -0.2, 0.9}, float64);
  Tensor w = constant({1.0, 2.0, -1.0}, float64);
  Tensor v = constant({0.5, -1.0, 2.0}, float64);
  auto first = [&](const Tensor& at) {
    GradientTape tape;
    tape.watch(at);
    return *tape.gradient(reduce_sum(w * softmax(at)), at);
  };
  GradientTape outer;
  outer.watch(x);
  Tensor hv = reduce_sum(first(x) * v);
  Tensor analytic = *outer.gradient(hv, x);
  std::vector<double> base = x.to_vector<double>();
  for (size_t i = 0; i < base.size(); ++i) {
    std::vector<double> p = base, m = base;
    p[i] += 1e-6;
    m[i] -= 1e-6;
    double num = (reduce_sum(first(Tensor::from_vector(p, Shape{3})) * v).item<double>() -
                  reduce_sum(first(Tensor::from_vector(m, Shape{3})) * v).item<double>()) /
                 2e-6;
    EXPECT_NEAR(analytic.to_vector<double>()[i], num, 1e-6);
  }
}

TEST(Softmax, Errors) {
  expect_error<TypeError>(
      [] {
        softmax(constant({1, 2}));
      },
      "softmax: expected a floating-point tensor");
  expect_error<ValueError>([] { log_softmax(constant(1.f)); },
                           "log_softmax: expected a tensor of rank >= 1");
  expect_error<ValueError>([] { softmax(constant({1.f}), 1); }, "softmax: axis 1 is out of range");
}

// ---- norm ----

TEST(Norm, VectorNorms) {
  Tensor v = constant({3.0, -4.0}, float64);
  EXPECT_DOUBLE_EQ(norm(v).item<double>(), 5.0);
  EXPECT_DOUBLE_EQ(norm(v, {.ord = 2}).item<double>(), 5.0);
  EXPECT_DOUBLE_EQ(norm(v, {.ord = 1}).item<double>(), 7.0);
  EXPECT_DOUBLE_EQ(norm(v, {.ord = "inf"}).item<double>(), 4.0);
  EXPECT_DOUBLE_EQ(norm(v, {.ord = kInf}).item<double>(), 4.0);
  EXPECT_NEAR(norm(v, {.ord = 3}).item<double>(), std::cbrt(27.0 + 64.0), 1e-12);
  EXPECT_NEAR(norm(v, {.ord = 0.5}).item<double>(), std::pow(std::sqrt(3.0) + 2.0, 2), 1e-12);
  EXPECT_EQ(norm(v).shape(), Shape({}));
  EXPECT_EQ(norm(v, {.keepdims = true}).shape(), Shape({1}));
}

TEST(Norm, AlongOneAxisAndFlattened) {
  Tensor m = constant({{1.0, -2.0}, {3.0, 4.0}}, float64);
  // axis = None treats every element as one vector.
  EXPECT_NEAR(norm(m).item<double>(), std::sqrt(30.0), 1e-12);
  EXPECT_DOUBLE_EQ(norm(m, {.ord = 1}).item<double>(), 10.0);
  EXPECT_DOUBLE_EQ(norm(m, {.ord = kInf}).item<double>(), 4.0);
  expect_values(norm(m, {.axis = {{1}}}), {std::sqrt(5.0), 5.0}, 1e-12);
  expect_values(norm(m, {.ord = 1, .axis = {{0}}}), {4, 6});
  expect_values(norm(m, {.ord = "inf", .axis = {{-1}}}), {2, 4});
  Tensor kept = norm(m, {.axis = {{0}}, .keepdims = true});
  EXPECT_EQ(kept.shape(), Shape({1, 2}));
  expect_values(kept, {std::sqrt(10.0), std::sqrt(20.0)}, 1e-12);
}

TEST(Norm, MatrixNorms) {
  Tensor m = constant({{1.0, -2.0}, {3.0, 4.0}}, float64);
  EXPECT_DOUBLE_EQ(norm(m, {.ord = 1, .axis = {{0, 1}}}).item<double>(), 6.0);  // column sums 4, 6
  EXPECT_DOUBLE_EQ(norm(m, {.ord = kInf, .axis = {{0, 1}}}).item<double>(), 7.0);  // rows 3, 7
  EXPECT_NEAR(norm(m, {.ord = "fro", .axis = {{0, 1}}}).item<double>(), std::sqrt(30.0), 1e-12);
  EXPECT_NEAR(norm(m, {.axis = {{0, 1}}}).item<double>(), std::sqrt(30.0), 1e-12);
  // Swapping the axes transposes the matrix: the 1-norm becomes the inf-norm.
  EXPECT_DOUBLE_EQ(norm(m, {.ord = 1, .axis = {{1, 0}}}).item<double>(), 7.0);
  EXPECT_EQ(norm(m, {.ord = 1, .axis = {{0, 1}}, .keepdims = true}).shape(), Shape({1, 1}));
}

TEST(Norm, BatchedMatrixNorms) {
  // Two 2x2 matrices: [[1, 2], [3, 4]] and [[-1, 0], [0, 5]].
  Tensor b = constant({{{1.0, 2.0}, {3.0, 4.0}}, {{-1.0, 0.0}, {0.0, 5.0}}}, float64);
  Tensor one = norm(b, {.ord = 1, .axis = {{-2, -1}}});
  EXPECT_EQ(one.shape(), Shape({2}));
  expect_values(one, {6, 5});
  expect_values(norm(b, {.ord = "inf", .axis = {{-2, -1}}}), {7, 5});
  expect_values(norm(b, {.ord = "fro", .axis = {{1, 2}}}), {std::sqrt(30.0), std::sqrt(26.0)},
                1e-12);
  Tensor kept = norm(b, {.ord = 1, .axis = {{1, 2}}, .keepdims = true});
  EXPECT_EQ(kept.shape(), Shape({2, 1, 1}));
}

TEST(Norm, Errors) {
  Tensor m = zeros(Shape{2, 2});
  expect_error<ValueError>([&] { norm(m, {.ord = 2, .axis = {{0, 1}}}); }, "needs an SVD");
  expect_error<ValueError>([&] { norm(m, {.ord = "fro"}); },
                           "norm: ord 'fro' is only defined for matrix norms");
  expect_error<ValueError>([&] { norm(m, {.ord = "fro", .axis = {{1}}}); }, "received axis [1]");
  expect_error<ValueError>(
      [&] {
        norm(m, {.ord = 3, .axis = {{0, 1}}});
      },
      "norm: ord must be a supported matrix norm");
  expect_error<ValueError>([&] { norm(m, {.ord = 0}); }, "a positive number, received 0");
  expect_error<ValueError>([&] { norm(m, {.ord = -1}); }, "a positive number, received -1");
  expect_error<ValueError>([&] { norm(m, {.ord = "nuc"}); }, "received 'nuc'");
  expect_error<ValueError>(
      [&] {
        norm(zeros(Shape{2, 2, 2}), {.axis = {{0, 1, 2}}});
      },
      "norm: axis must be None, one integer or 2 unique integers");
  expect_error<ValueError>([&] { norm(m, {.axis = {{1, -1}}}); }, "appears more than once");
  expect_error<ValueError>([&] { norm(m, {.axis = {{2}}}); }, "norm: axis 2 is out of range");
  expect_error<TypeError>([] { norm(constant({3, 4})); }, "norm: expected a floating-point tensor");
}

TEST(Norm, Gradients) {
  Tensor x = distinct(Shape{3, 4});
  std::vector<NormOptions> cases = {
      {},
      {.ord = 2, .axis = {{1}}},
      {.ord = "euclidean", .axis = {{0}}, .keepdims = true},
      {.ord = 1},
      {.ord = 1, .axis = {{-1}}},
      {.ord = "inf", .axis = {{0}}},
      {.ord = 3, .axis = {{1}}},
      {.ord = "fro", .axis = {{0, 1}}},
      {.ord = 1, .axis = {{0, 1}}},
      {.ord = kInf, .axis = {{1, 0}}, .keepdims = true},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    check_gradients([&](const std::vector<Tensor>& in) { return norm(in[0], cases[i]); }, {x});
  }
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return norm(in[0], {.axis = {{1, 2}}});
      },
      {distinct(Shape{2, 3, 2})});
}

TEST(Norm, EuclideanGradientValues) {
  Tensor v = constant({3.0, -4.0}, float64);
  GradientTape tape;
  tape.watch(v);
  expect_values(*tape.gradient(norm(v), v), {0.6, -0.8}, 1e-12);
}

TEST(Norm, ZeroNormHasZeroGradient) {
  Tensor x = constant({{0.0, 0.0}, {3.0, 4.0}}, float64);
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  Tensor rows = norm(x, {.axis = {{1}}});
  expect_values(rows, {0, 5});
  expect_values(*tape.gradient(rows, x), {0, 0, 0.6, 0.8}, 1e-12);
  Tensor all_zero = constant({0.0, 0.0, 0.0}, float64);
  GradientTape tape2;
  tape2.watch(all_zero);
  Tensor fro = norm(all_zero);
  EXPECT_DOUBLE_EQ(fro.item<double>(), 0.0);
  expect_values(*tape2.gradient(fro, all_zero), {0, 0, 0});
}

// ---- inputs above the parallel threshold (OpenMP paths) ----

Tensor wavy(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 3 * std::sin(2.1 * static_cast<double>(i) + 0.4);
  return Tensor::from_vector(v, shape);
}

TEST(LargeInputs, MatchSerialReferences) {
  const int64_t rows = 300, cols = 257;
  Tensor x = wavy(Shape{rows, cols});
  std::vector<double> v = x.to_vector<double>();
  std::vector<int64_t> am = argmax(x, 1).to_vector<int64_t>();
  std::vector<int64_t> an = argmin(x, 0).to_vector<int64_t>();
  std::vector<double> cs = cumsum(x, 1, false, true).to_vector<double>();
  std::vector<double> sm = softmax(x, 0).to_vector<double>();
  std::vector<double> rs = reduce_sum(x, {.axis = {{1}}}).to_vector<double>();
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = v.data() + r * cols;
    EXPECT_EQ(am[r], std::max_element(row, row + cols) - row);
    double acc = 0;
    for (int64_t c = cols - 1; c >= 0; --c) {
      acc += row[c];
      ASSERT_NEAR(cs[r * cols + c], acc, 1e-9);
    }
    EXPECT_NEAR(rs[r], acc, 1e-9);
  }
  for (int64_t c = 0; c < cols; ++c) {
    double best = v[c], z = 0, mx = v[c];
    int64_t at = 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (v[r * cols + c] < best) best = v[r * cols + c], at = r;
      mx = std::max(mx, v[r * cols + c]);
    }
    EXPECT_EQ(an[c], at);
    for (int64_t r = 0; r < rows; ++r) z += std::exp(v[r * cols + c] - mx);
    EXPECT_NEAR(sm[c], std::exp(v[c] - mx) / z, 1e-12);
  }
}

TEST(LargeInputs, NonContiguousAxesTakeTheTransposePath) {
  Tensor x = wavy(Shape{40, 33, 30});
  std::vector<bool> reduced = {true, false, true};
  auto mx = [](double a, double b) { return std::max(a, b); };
  auto add = [](double a, double b) { return a + b; };
  expect_values(reduce_max(x, {.axis = {{0, 2}}, .keepdims = true}),
                reference_reduce(x, reduced, mx, -kInf), 1e-12);
  expect_values(reduce_sum(x, {.axis = {{2, 0}}}), reference_reduce(x, reduced, add, 0), 1e-9);
}

}  // namespace
}  // namespace tandem
