#include "tandem/ops/linalg.h"

#include <gtest/gtest.h>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

// Deterministic test values in [-1, 1).
Tensor sample(const Shape& shape, DType dtype = float64, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(1.3 * static_cast<double>(i) + phase);
  return cast(Tensor::from_vector(v, shape), dtype);
}

// Reference [m,k] @ [k,n] on host values.
std::vector<double> reference_matmul(const std::vector<double>& a, const std::vector<double>& b,
                                     int64_t m, int64_t k, int64_t n) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

TEST(Matmul, TwoByThreeTimesThreeByTwo) {
  Tensor a = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Tensor b = constant({{7.0, 8.0}, {9.0, 10.0}, {11.0, 12.0}});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.shape(), Shape({2, 2}));
  EXPECT_EQ(c.dtype(), float32);
  expect_values(c, {58, 64, 139, 154});
}

TEST(Matmul, Transposes) {
  Tensor a = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, float64);  // [2,3]
  Tensor b = constant({{1.0, 0.0, 2.0}, {0.0, 1.0, 1.0}}, float64);  // [2,3]
  // a @ b^T: [[7, 5], [16, 11]]
  expect_values(matmul(a, b, {.transpose_b = true}), {7, 5, 16, 11});
  // a^T @ b: [3,3]
  expect_values(matmul(a, b, {.transpose_a = true}), {1, 4, 6, 2, 5, 9, 3, 6, 12});
  // a^T @ b^T with b [3,2]: ([2,3]^T = [3,2]) @ ([3,2]^T = [2,3]) = [3,3]
  Tensor b2 = constant({{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}}, float64);
  expect_values(matmul(a, b2, {.transpose_a = true, .transpose_b = true}),
                {1, 4, 5, 2, 5, 7, 3, 6, 9});
}

TEST(Matmul, BatchDimensionsBroadcast) {
  Tensor a = sample({2, 1, 3, 4});
  Tensor b = sample({5, 4, 2}, float64, 0.5);
  Tensor c = matmul(a, b);
  ASSERT_EQ(c.shape(), Shape({2, 5, 3, 2}));
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 5; ++j) {
      std::vector<double> am(av.begin() + i * 12, av.begin() + (i + 1) * 12);
      std::vector<double> bm(bv.begin() + j * 8, bv.begin() + (j + 1) * 8);
      auto r = reference_matmul(am, bm, 3, 4, 2);
      expected.insert(expected.end(), r.begin(), r.end());
    }
  }
  expect_values(c, expected, 1e-12);
}

TEST(Matmul, BatchedTimesMatrixAndMatrixTimesBatched) {
  Tensor a = sample({3, 2, 4});
  Tensor w = sample({4, 5}, float64, 1.0);
  Tensor c = matmul(a, w);
  ASSERT_EQ(c.shape(), Shape({3, 2, 5}));
  auto expected = reference_matmul(a.to_vector<double>(), w.to_vector<double>(), 6, 4, 5);
  expect_values(c, expected, 1e-12);

  Tensor left = sample({5, 2}, float64, 2.0);
  Tensor d = matmul(left, a);
  ASSERT_EQ(d.shape(), Shape({3, 5, 4}));
  std::vector<double> av = a.to_vector<double>(), expected_d;
  for (int i = 0; i < 3; ++i) {
    std::vector<double> am(av.begin() + i * 8, av.begin() + (i + 1) * 8);
    auto r = reference_matmul(left.to_vector<double>(), am, 5, 2, 4);
    expected_d.insert(expected_d.end(), r.begin(), r.end());
  }
  expect_values(d, expected_d, 1e-12);
}

TEST(Matmul, LargerFloat32MatchesDoubleReference) {
  Tensor a = sample({37, 70}, float32);
  Tensor b = sample({70, 29}, float32, 0.3);
  auto expected = reference_matmul(a.to_vector<double>(), b.to_vector<double>(), 37, 70, 29);
  expect_values(matmul(a, b), expected, 1e-4);
}

TEST(Matmul, IntegerAndHalfDtypes) {
  Tensor a = constant({{1, 2}, {3, 4}});
  Tensor b = constant({{5, 6}, {7, 8}});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), int32);
  EXPECT_EQ(c.to_vector<int32_t>(), (std::vector<int32_t>{19, 22, 43, 50}));
  Tensor c64 = matmul(cast(a, int64), cast(b, int64), {.transpose_a = true});
  EXPECT_EQ(c64.dtype(), int64);
  EXPECT_EQ(c64.to_vector<int64_t>(), (std::vector<int64_t>{26, 30, 38, 44}));
  for (DType t : {float16, bfloat16}) {
    Tensor h = matmul(cast(a, t), cast(b, t));
    EXPECT_EQ(h.dtype(), t);
    expect_values(h, {19, 22, 43, 50});
  }
}

TEST(Matmul, EmptyInnerDimensionGivesZeros) {
  Tensor c = matmul(zeros({2, 0}), zeros({0, 3}));
  EXPECT_EQ(c.shape(), Shape({2, 3}));
  expect_values(c, {0, 0, 0, 0, 0, 0});
}

TEST(Matmul, Errors) {
  expect_error<ShapeError>([] { matmul(zeros({2, 3}), zeros({4, 5})); }, "matmul: ");
  expect_error<ShapeError>([] { matmul(zeros({2, 3}), zeros({4, 5})); }, "[2,3] and [4,5]");
  expect_error<ShapeError>([] { matmul(zeros({2, 3}), zeros({4, 5})); }, "3 != 4");
  expect_error<ValueError>([] { matmul(zeros({3}), zeros({3, 2})); }, "rank >= 2");
  expect_error<TypeError>(
      [] {
        matmul(zeros({2, 2}), zeros({2, 2}, float64));
      },
      "expected y to have dtype float32");
  expect_error<TypeError>(
      [] {
        matmul(zeros({2, 2}, bool_), zeros({2, 2}, bool_));
      },
      "matmul: expected dtype in");
  expect_error<ShapeError>(
      [] {
        matmul(zeros({2, 2, 3}), zeros({3, 3, 2}));
      },
      "batch dimensions of shapes [2,2,3] and [3,3,2] do not broadcast");
  expect_error<ValueError>([] { matmul(Tensor(), zeros({2, 2})); }, "undefined");
}

TEST(Matmul, GradientsAllTransposeCombinations) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Tensor a = sample(ta ? Shape{4, 3} : Shape{3, 4});
      Tensor b = sample(tb ? Shape{2, 4} : Shape{4, 2}, float64, 0.7);
      check_gradients(
          [ta, tb](const std::vector<Tensor>& in) {
            return matmul(in[0], in[1], {.transpose_a = ta, .transpose_b = tb});
          },
          {a, b});
    }
  }
}

TEST(Matmul, GradientsWithBatchBroadcast) {
  auto f = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
  check_gradients(f, {sample({2, 1, 2, 3}), sample({3, 3, 2}, float64, 0.4)});
  check_gradients(f, {sample({3, 2, 4}), sample({4, 5}, float64, 0.2)});  // shared right matrix
  check_gradients(f, {sample({2, 3}), sample({4, 3, 2}, float64, 0.9)});  // shared left matrix
  check_gradients(
      [](const std::vector<Tensor>& in) { return matmul(in[0], in[1], {.transpose_b = true}); },
      {sample({3, 2, 4}), sample({5, 4}, float64, 0.2)});
}

TEST(Matmul, GradientOfOneSideAloneMatchesBoth) {
  // With one side unwatched the closure computes only the other side's product
  // (autodiff::input_gradient_needed); the one it computes must not change.
  struct Case {
    Shape a, b;
    bool ta, tb;
  };
  const std::vector<Case> cases = {{{3, 4}, {4, 2}, false, false},
                                   {{4, 3}, {2, 4}, true, true},
                                   {{3, 4}, {2, 4}, false, true},
                                   {{4, 3}, {4, 2}, true, false},
                                   {{3, 2, 4}, {4, 5}, false, false}};
  for (const Case& c : cases) {
    const Tensor a = sample(c.a), b = sample(c.b, float64, 0.5);
    auto loss = [&] {
      return reduce_sum(sin(matmul(a, b, {.transpose_a = c.ta, .transpose_b = c.tb})));
    };
    GradientTape both;
    both.watch({a, b});
    auto full = both.gradient(loss(), std::vector<Tensor>{a, b});
    for (int side : {0, 1}) {
      const Tensor& source = side == 0 ? a : b;
      GradientTape one;
      one.watch(source);
      std::optional<Tensor> g = one.gradient(loss(), source);
      ASSERT_TRUE(g.has_value());
      expect_values(*g, full[side]->to_vector<double>(), 1e-12);
    }
  }
}

TEST(Matmul, SecondOrderGradient) {
  // f(a, b) = d/da sum((a @ b)^2) = 2 (a @ b) @ b^T: the backward pass must itself be
  // differentiable.
  check_gradients(
      [](const std::vector<Tensor>& in) {
        GradientTape inner;
        inner.watch(in[0]);
        Tensor y = reduce_sum(square(matmul(in[0], in[1])));
        return *inner.gradient(y, in[0]);
      },
      {sample({2, 3}), sample({3, 2}, float64, 0.3)});
}

TEST(Matmul, GradientValues) {
  Tensor a = constant({{1.0, 2.0}, {3.0, 4.0}}, float64);
  Tensor b = constant({{5.0, 6.0}, {7.0, 8.0}}, float64);
  GradientTape tape;
  tape.watch({a, b});
  Tensor y = reduce_sum(matmul(a, b));
  auto g = tape.gradient(y, {a, b});
  expect_values(*g[0], {11, 15, 11, 15});  // row sums of b
  expect_values(*g[1], {4, 4, 6, 6});      // column sums of a
}

TEST(Tensordot, IntegerAxes) {
  Tensor a = constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, float64);
  Tensor b = constant({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, float64);
  Tensor c = tensordot(a, b, 1);
  EXPECT_EQ(c.shape(), Shape({2, 2}));
  expect_values(c, {22, 28, 49, 64});
  Tensor outer = tensordot(constant({1.0, 2.0}, float64), constant({3.0, 4.0, 5.0}, float64), 0);
  EXPECT_EQ(outer.shape(), Shape({2, 3}));
  expect_values(outer, {3, 4, 5, 6, 8, 10});
  Tensor full = tensordot(a, a, 2);
  EXPECT_EQ(full.shape(), Shape({}));
  expect_values(full, {91});
}

TEST(Tensordot, AxisLists) {
  Tensor a = sample({2, 3, 4});
  Tensor b = sample({4, 5, 3}, float64, 0.6);
  Tensor c = tensordot(a, b, {{1, 2}, {2, 0}});
  ASSERT_EQ(c.shape(), Shape({2, 5}));
  std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>(), expected(10, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 5; ++j)
      for (int p = 0; p < 3; ++p)
        for (int q = 0; q < 4; ++q)
          expected[i * 5 + j] += av[i * 12 + p * 4 + q] * bv[q * 15 + j * 3 + p];
  expect_values(c, expected, 1e-12);
  Tensor negative_axes = tensordot(a, b, {{-2, -1}, {-1, 0}});
  expect_values(negative_axes, expected, 1e-12);
}

TEST(Tensordot, Gradients) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return tensordot(in[0], in[1], {{1, 2}, {2, 0}});
      },
      {sample({2, 3, 4}), sample({4, 5, 3}, float64, 0.6)});
  check_gradients([](const std::vector<Tensor>& in) { return tensordot(in[0], in[1], 1); },
                  {sample({2, 3}), sample({3, 2, 2}, float64, 0.1)});
}

TEST(Tensordot, Errors) {
  expect_error<ShapeError>(
      [] {
        tensordot(zeros({2, 3}), zeros({4, 2}), 1);
      },
      "axis 1 of a (size 3) and axis 0 of b (size 4)");
  expect_error<ValueError>(
      [] {
        tensordot(zeros({2, 3}), zeros({3}), 2);
      },
      "axes must be between 0 and the smaller rank (1), received 2");
  expect_error<ValueError>(
      [] {
        tensordot(zeros({2, 3}), zeros({3, 2}), {{1}, {0, 1}});
      },
      "as many axes for a as for b");
  expect_error<ValueError>(
      [] {
        tensordot(zeros({2, 2}), zeros({2, 2}), {{0, 0}, {0, 1}});
      },
      "appears twice");
  expect_error<ValueError>(
      [] {
        tensordot(zeros({2, 2}), zeros({2, 2}), {{2}, {0}});
      },
      "axis 2 is out of range");
}

}  // namespace
}  // namespace tandem
