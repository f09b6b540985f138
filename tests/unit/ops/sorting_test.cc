#include "tandem/ops/sorting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

// Distinct values in a scrambled order (no ties, so sorting is smooth in them).
Tensor scrambled(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = std::sin(2.1 * static_cast<double>(i) + 0.4) + 0.003 * static_cast<double>(i);
  }
  return Tensor::from_vector(v, shape);
}

std::vector<int32_t> ints(const Tensor& t) { return t.to_vector<int32_t>(); }

// ---- top_k ----

TEST(TopK, ValuesAndIndices) {
  Tensor x = constant({{1.f, 7.f, 3.f, 5.f}, {4.f, -2.f, 9.f, 0.f}});
  TopK r = top_k(x, 2);
  EXPECT_EQ(r.values.shape(), Shape({2, 2}));
  EXPECT_EQ(r.values.dtype(), float32);
  EXPECT_EQ(r.indices.dtype(), int32);
  expect_values(r.values, {7, 5, 9, 4});
  EXPECT_EQ(ints(r.indices), (std::vector<int32_t>{1, 3, 2, 0}));
}

TEST(TopK, DefaultKIsOne) {
  TopK r = top_k(constant({2.0, 8.0, 5.0}, float64));
  EXPECT_EQ(r.values.shape(), Shape({1}));
  expect_values(r.values, {8});
  EXPECT_EQ(ints(r.indices), (std::vector<int32_t>{1}));
}

TEST(TopK, TiesTakeTheLowerIndexFirst) {
  TopK r = top_k(constant({1.f, 3.f, 2.f, 3.f, 3.f}), 3);
  expect_values(r.values, {3, 3, 3});
  EXPECT_EQ(ints(r.indices), (std::vector<int32_t>{1, 3, 4}));
  TopK all = top_k(constant({5, 5, 5, 5}), 4);
  EXPECT_EQ(ints(all.indices), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(TopK, FullSortZeroKAndIntegerInput) {
  Tensor x = constant({{3, 1, 2}, {-1, -3, 0}});
  TopK full = top_k(x, 3);
  EXPECT_EQ(full.values.dtype(), int32);
  EXPECT_EQ(full.values.to_vector<int32_t>(), (std::vector<int32_t>{3, 2, 1, 0, -1, -3}));
  EXPECT_EQ(ints(full.indices), (std::vector<int32_t>{0, 2, 1, 2, 0, 1}));
  TopK none = top_k(x, 0);
  EXPECT_EQ(none.values.shape(), Shape({2, 0}));
  EXPECT_EQ(none.indices.shape(), Shape({2, 0}));
  TopK unsorted = top_k(constant({2, 9, 4}, int64), 2, /*sorted=*/false);
  EXPECT_EQ(unsorted.values.to_vector<int64_t>(), (std::vector<int64_t>{9, 4}));
}

TEST(TopK, Rank3UsesTheLastAxis) {
  Tensor x = scrambled(Shape{2, 3, 5});
  TopK r = top_k(x, 2);
  EXPECT_EQ(r.values.shape(), Shape({2, 3, 2}));
  std::vector<double> v = x.to_vector<double>(), got = r.values.to_vector<double>();
  std::vector<int32_t> idx = ints(r.indices);
  for (int row = 0; row < 6; ++row) {
    std::vector<double> sorted(v.begin() + row * 5, v.begin() + row * 5 + 5);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    EXPECT_DOUBLE_EQ(got[row * 2], sorted[0]);
    EXPECT_DOUBLE_EQ(got[row * 2 + 1], sorted[1]);
    EXPECT_DOUBLE_EQ(v[row * 5 + idx[row * 2]], sorted[0]);
  }
}

TEST(TopK, NaNRanksAboveNumbers) {
  TopK r = top_k(constant({1.0, std::nan(""), 3.0}, float64), 2);
  EXPECT_EQ(ints(r.indices), (std::vector<int32_t>{1, 2}));
  EXPECT_TRUE(std::isnan(r.values.to_vector<double>()[0]));
}

TEST(TopK, EmptyRows) {
  TopK r = top_k(zeros(Shape{0, 4}), 2);
  EXPECT_EQ(r.values.shape(), Shape({0, 2}));
}

TEST(TopK, Gradient) {
  Tensor x = constant({{1.0, 7.0, 3.0, 5.0}, {4.0, -2.0, 9.0, 0.0}}, float64);
  GradientTape tape;
  tape.watch(x);
  TopK r = top_k(x, 2);
  Tensor loss = reduce_sum(r.values * constant({{1.0, 10.0}, {100.0, 1000.0}}, float64));
  // dy lands on the chosen positions, zeros elsewhere.
  expect_values(*tape.gradient(loss, x), {0, 1, 0, 10, 1000, 0, 100, 0});
  for (int64_t k : {1, 3, 5}) {
    check_gradients([k](const std::vector<Tensor>& in) { return top_k(in[0], k).values; },
                    {scrambled(Shape{2, 3, 5})});
  }
}

TEST(TopK, Errors) {
  Tensor x = zeros(Shape{2, 3});
  expect_error<ValueError>([&] { top_k(x, 5); },
                           "top_k: input must have at least k=5 columns in its last dimension, "
                           "received shape [2,3]");
  expect_error<ValueError>([&] { top_k(x, -1); }, "top_k: expected k >= 0, received k=-1");
  expect_error<ValueError>([] { top_k(constant(1.f)); },
                           "top_k: expected a tensor of rank >= 1, received a scalar");
  expect_error<TypeError>(
      [] {
        top_k(constant({true, false}));
      },
      "top_k: expected a numeric tensor, received dtype bool");
  expect_error<TypeError>([] { top_k(constant({"a"})); }, "top_k: expected a numeric tensor");
}

// ---- sort ----

TEST(Sort, AscendingAndDescending) {
  Tensor x = constant({3.f, -1.f, 2.f, 2.f, 10.f});
  expect_values(sort(x), {-1, 2, 2, 3, 10});
  expect_values(sort(x, -1, "DESCENDING"), {10, 3, 2, 2, -1});
  EXPECT_EQ(sort(x).dtype(), float32);
  Tensor i = constant({5, -7, 0}, int64);
  EXPECT_EQ(sort(i).to_vector<int64_t>(), (std::vector<int64_t>{-7, 0, 5}));
  EXPECT_EQ(sort(constant({200, 3, 90}, uint8), 0, "DESCENDING").to_vector<int>(),
            (std::vector<int>{200, 90, 3}));
}

TEST(Sort, AlongEachAxisOfAMatrix) {
  Tensor m = constant({{3.0, 1.0, 2.0}, {0.0, 5.0, -1.0}}, float64);
  Tensor rows = sort(m);
  EXPECT_EQ(rows.shape(), Shape({2, 3}));
  expect_values(rows, {1, 2, 3, -1, 0, 5});
  Tensor cols = sort(m, 0);
  EXPECT_EQ(cols.shape(), Shape({2, 3}));
  expect_values(cols, {0, 1, -1, 3, 5, 2});
  expect_values(sort(m, -2, "DESCENDING"), {3, 5, 2, 0, 1, -1});
}

TEST(Sort, MiddleAxisOfRank3) {
  Tensor x = scrambled(Shape{2, 4, 3});
  Tensor y = sort(x, 1);
  ASSERT_EQ(y.shape(), Shape({2, 4, 3}));
  std::vector<double> v = x.to_vector<double>(), got = y.to_vector<double>();
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 3; ++k) {
      std::vector<double> column;
      for (int j = 0; j < 4; ++j) column.push_back(v[(i * 4 + j) * 3 + k]);
      std::sort(column.begin(), column.end());
      for (int j = 0; j < 4; ++j) EXPECT_DOUBLE_EQ(got[(i * 4 + j) * 3 + k], column[j]);
    }
  }
}

TEST(Sort, NaNGoesLastAscending) {
  Tensor y = sort(constant({2.0, std::nan(""), -1.0}, float64));
  std::vector<double> got = y.to_vector<double>();
  EXPECT_EQ(got[0], -1.0);
  EXPECT_EQ(got[1], 2.0);
  EXPECT_TRUE(std::isnan(got[2]));
}

TEST(Sort, Gradient) {
  Tensor x = constant({3.0, 1.0, 2.0}, float64);
  GradientTape tape;
  tape.watch(x);
  // sorted = {1, 2, 3}; weights follow the permutation back to the inputs.
  Tensor loss = reduce_sum(sort(x) * constant({1.0, 10.0, 100.0}, float64));
  expect_values(*tape.gradient(loss, x), {100, 1, 10});
  for (int64_t axis : {-1, 0, 1}) {
    for (const char* direction : {"ASCENDING", "DESCENDING"}) {
      check_gradients([&](const std::vector<Tensor>& in) { return sort(in[0], axis, direction); },
                      {scrambled(Shape{3, 4, 2})});
    }
  }
}

TEST(Sort, SecondOrderGradient) {
  // d/dx sum(sort(x)^2) = 2x whatever the order; its gradient through the gather/scatter pair
  // must give d/dx sum(w * 2x) = 2w.
  Tensor x = constant({0.5, -2.0, 1.5}, float64);
  Tensor w = constant({1.0, 3.0, -2.0}, float64);
  GradientTape outer;
  outer.watch(x);
  Tensor g;
  {
    GradientTape inner;
    inner.watch(x);
    g = *inner.gradient(reduce_sum(square(sort(x, -1, "DESCENDING"))), x);
  }
  expect_values(g, {1.0, -4.0, 3.0});
  expect_values(*outer.gradient(reduce_sum(g * w), x), {2, 6, -4});
}

TEST(Sort, Errors) {
  Tensor x = constant({1.f, 2.f});
  expect_error<ValueError>([&] { sort(x, -1, "UP"); },
                           "sort: direction should be one of 'ASCENDING', 'DESCENDING', "
                           "received 'UP'");
  expect_error<ValueError>([&] { sort(x, 1); }, "sort: axis 1 is out of range");
  expect_error<ValueError>([] { sort(constant(1.f)); }, "sort: expected a tensor of rank >= 1");
  expect_error<TypeError>([] { sort(constant({true})); }, "sort: expected a numeric tensor");
}

// ---- argsort ----

TEST(Argsort, AscendingDescendingAndStable) {
  Tensor x = constant({3.f, 1.f, 2.f});
  Tensor a = argsort(x);
  EXPECT_EQ(a.dtype(), int32);
  EXPECT_EQ(ints(a), (std::vector<int32_t>{1, 2, 0}));
  EXPECT_EQ(ints(argsort(x, -1, "DESCENDING")), (std::vector<int32_t>{0, 2, 1}));
  // Equal values keep their order in both directions.
  Tensor ties = constant({2, 1, 2, 1});
  EXPECT_EQ(ints(argsort(ties)), (std::vector<int32_t>{1, 3, 0, 2}));
  EXPECT_EQ(ints(argsort(ties, 0, "DESCENDING", true)), (std::vector<int32_t>{0, 2, 1, 3}));
}

TEST(Argsort, AlongAxisZero) {
  Tensor m = constant({{3.0, 1.0, 2.0}, {0.0, 5.0, -1.0}, {1.0, 1.0, 7.0}}, float64);
  Tensor a = argsort(m, 0);
  EXPECT_EQ(a.shape(), Shape({3, 3}));
  EXPECT_EQ(ints(a), (std::vector<int32_t>{1, 0, 1, 2, 2, 0, 0, 1, 2}));
  EXPECT_EQ(ints(argsort(m, 1)), (std::vector<int32_t>{1, 2, 0, 2, 0, 1, 0, 1, 2}));
}

TEST(Argsort, IsNotDifferentiable) {
  Tensor x = constant({3.0, 1.0}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor a = argsort(x, 0);
  EXPECT_EQ(ints(a), (std::vector<int32_t>{1, 0}));
  EXPECT_FALSE(tape.gradient(cast(a, float64), x).has_value());
}

TEST(Argsort, Errors) {
  expect_error<ValueError>([] { argsort(constant({1.f}), 0, "ascending"); },
                           "argsort: direction should be one of 'ASCENDING', 'DESCENDING', "
                           "received 'ascending'");
  expect_error<ValueError>([] { argsort(constant({1.f}), -2); },
                           "argsort: axis -2 is out of range");
  expect_error<TypeError>(
      [] {
        argsort(constant({"b", "a"}));
      },
      "argsort: expected a numeric tensor");
}

TEST(LargeInputs, TopKAndSortMatchStdSort) {
  const int64_t rows = 200, cols = 300;
  Tensor x = scrambled(Shape{rows, cols});
  std::vector<double> v = x.to_vector<double>();
  TopK r = top_k(x, 7);
  std::vector<double> top = r.values.to_vector<double>();
  std::vector<double> sorted = sort(x, 1, "DESCENDING").to_vector<double>();
  std::vector<int32_t> order = ints(argsort(x, 0));
  for (int64_t row = 0; row < rows; ++row) {
    std::vector<double> expected(v.begin() + row * cols, v.begin() + (row + 1) * cols);
    std::sort(expected.begin(), expected.end(), std::greater<>());
    for (int64_t j = 0; j < 7; ++j) ASSERT_EQ(top[row * 7 + j], expected[j]);
    for (int64_t j = 0; j < cols; ++j) ASSERT_EQ(sorted[row * cols + j], expected[j]);
  }
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t j = 1; j < rows; ++j) {
      ASSERT_LT(v[order[(j - 1) * cols + c] * cols + c], v[order[j * cols + c] * cols + c]);
    }
  }
}

}  // namespace
}  // namespace tandem
