#include "tandem/ops/creation.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

// ---- constant / convert_to_tensor ----

TEST(Constant, InfersDtypeFromTheLiteral) {
  Tensor i = constant({{1, 2}, {3, 4}});
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(i.shape(), (Shape{2, 2}));
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4}));

  Tensor f = constant({1.5, 2});  // any float makes float32, as in TensorFlow
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1.5f, 2.f}));

  Tensor b = constant({true, false});
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(b.to_vector<bool>(), (std::vector<bool>{true, false}));

  Tensor s = constant({"ab", "c"});
  EXPECT_EQ(s.dtype(), string);
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"ab", "c"}));

  Tensor scalar = constant(3);
  EXPECT_EQ(scalar.dtype(), int32);
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<int32_t>(), 3);

  Tensor empty = constant({});
  EXPECT_EQ(empty.dtype(), float32);
  EXPECT_EQ(empty.shape(), (Shape{0}));
}

TEST(Constant, ExplicitDtype) {
  Tensor d = constant(2.5, float64);
  EXPECT_EQ(d.dtype(), float64);
  EXPECT_EQ(d.item<double>(), 2.5);
  Tensor f = constant({1, 2}, float32);
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1, 2}));
  Tensor i = constant({1, 2.0}, int32);  // integral floats are fine
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(i.to_vector<int32_t>(), (std::vector<int32_t>{1, 2}));
  Tensor h = constant({0.5, -2}, float16);
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{0.5f, -2.f}));
  Tensor u = constant({0, 255}, uint8);
  EXPECT_EQ(u.to_vector<int>(), (std::vector<int>{0, 255}));
  // int64 values beyond 2^53 stay exact (no detour through double).
  Tensor big = constant({int64_t{9007199254740993}}, int64);
  EXPECT_EQ(big.item<int64_t>(), int64_t{9007199254740993});
}

TEST(Constant, FromHostVector) {
  Tensor t = constant(std::vector<double>{1, 2, 3, 4, 5, 6}, Shape{3, 2});
  EXPECT_EQ(t.dtype(), float64);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  expect_values(t, {1, 2, 3, 4, 5, 6}, 0);
  expect_error<ValueError>(
      [] {
        constant(std::vector<float>{1, 2, 3}, Shape{2, 2});
      },
      "from_vector: expected 4 values");
}

TEST(Constant, Errors) {
  expect_error<TypeError>(
      [] {
        constant({1, 2.5}, int32);
      },
      "constant: cannot convert 2.5 to dtype int32");
  expect_error<TypeError>([] { constant({0.5}, bool_); },
                          "constant: cannot convert 0.5 to dtype bool");
  expect_error<TypeError>(
      [] {
        constant({"a", 1});
      },
      "constant: cannot mix strings and numbers in one tensor literal");
  expect_error<TypeError>(
      [] {
        constant({1, 2}, string);
      },
      "constant: cannot convert a numeric literal to dtype string");
  expect_error<TypeError>([] { constant({"a"}, float32); },
                          "constant: cannot convert a string literal to dtype float32");
  expect_error<ValueError>(
      [] {
        constant({{1, 2}, {3}});
      },
      "constant: nested lists must be rectangular");
  expect_error<ValueError>(
      [] {
        constant({{1, 2}, 3});
      },
      "constant: nested lists must be rectangular");
}

TEST(ConvertToTensor, ReturnsOrCasts) {
  Tensor x = constant({1, 2});
  EXPECT_EQ(convert_to_tensor(x).id(), x.id());
  EXPECT_EQ(convert_to_tensor(x, int32).id(), x.id());
  Tensor d = convert_to_tensor(x, float64);
  EXPECT_EQ(d.dtype(), float64);
  expect_values(d, {1, 2}, 0);
  expect_error<TypeError>([] { convert_to_tensor(constant({"a"}), float32); },
                          "convert_to_tensor: cannot convert a string tensor to float32");
  expect_error<TypeError>([] { convert_to_tensor(constant({1}), string); },
                          "convert_to_tensor: cannot convert a int32 tensor to string");
  expect_error<ValueError>([] { convert_to_tensor(Tensor()); },
                           "convert_to_tensor: input is an undefined Tensor");
}

// ---- zeros / ones / fill ----

TEST(Fill, ZerosOnesFill) {
  Tensor z = zeros(Shape{2, 3});
  EXPECT_EQ(z.dtype(), float32);
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  expect_values(z, std::vector<double>(6, 0.0), 0);
  Tensor o = ones(Shape{4}, int64);
  EXPECT_EQ(o.dtype(), int64);
  EXPECT_EQ(o.to_vector<int64_t>(), (std::vector<int64_t>(4, 1)));
  Tensor f = fill(Shape{2, 2}, 7.5, float64);
  EXPECT_EQ(f.dtype(), float64);
  expect_values(f, {7.5, 7.5, 7.5, 7.5}, 0);
  EXPECT_EQ(fill(Shape{3}, 1, bool_).to_vector<bool>(), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(fill(Shape{2}, -3, int32).to_vector<int32_t>(), (std::vector<int32_t>{-3, -3}));
  EXPECT_EQ(fill(Shape{1}, 0.1, float16).item<float>(), 0.0999755859375f);
  Tensor scalar = fill(Shape{}, 2, float32);
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<float>(), 2.f);
  EXPECT_EQ(zeros(Shape{0, 5}).num_elements(), 0);
}

TEST(Fill, Errors) {
  expect_error<ValueError>(
      [] {
        zeros(Shape{2, -1});
      },
      "zeros: expected non-negative dimensions, received shape [2,?]");
  expect_error<TypeError>([] { fill(Shape{2}, 1, string); },
                          "fill: a numeric value cannot fill a string tensor");
}

TEST(Fill, ZerosLikeOnesLike) {
  Tensor x = constant({{1.5, 2}, {3, 4}, {5, 6}}, float64);
  Tensor z = zeros_like(x);
  EXPECT_EQ(z.dtype(), float64);
  EXPECT_EQ(z.shape(), (Shape{3, 2}));
  expect_values(z, std::vector<double>(6, 0.0), 0);
  Tensor o = ones_like(x, int32);
  EXPECT_EQ(o.dtype(), int32);
  EXPECT_EQ(o.shape(), (Shape{3, 2}));
  EXPECT_EQ(o.to_vector<int32_t>(), (std::vector<int32_t>(6, 1)));
  EXPECT_EQ(ones_like(constant({true}), bool_).item<bool>(), true);
  expect_error<ValueError>([] { zeros_like(Tensor()); },
                           "zeros_like: input is an undefined Tensor");
  expect_error<ValueError>([] { ones_like(Tensor()); }, "ones_like: input is an undefined Tensor");
}

// ---- range / linspace ----

TEST(Range, IntegerForms) {
  Tensor r = range(5);
  EXPECT_EQ(r.dtype(), int32);
  EXPECT_EQ(r.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(range(2, 8, 2).to_vector<int32_t>(), (std::vector<int32_t>{2, 4, 6}));
  EXPECT_EQ(range(2, 9, 2).to_vector<int32_t>(), (std::vector<int32_t>{2, 4, 6, 8}));
  EXPECT_EQ(range(3, 6).to_vector<int32_t>(), (std::vector<int32_t>{3, 4, 5}));
  EXPECT_EQ(range(10, 0, -3).to_vector<int32_t>(), (std::vector<int32_t>{10, 7, 4, 1}));
  EXPECT_EQ(range(-1, -4, -1).to_vector<int32_t>(), (std::vector<int32_t>{-1, -2, -3}));
  Tensor r64 = range(0, 10, 3, int64);
  EXPECT_EQ(r64.dtype(), int64);
  EXPECT_EQ(r64.to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 6, 9}));
  int64_t n = 3;
  EXPECT_EQ(range(0, n).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 2}));
  Tensor rf = range(1, 4, 1, float32);
  EXPECT_EQ(rf.dtype(), float32);
  EXPECT_EQ(rf.to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

TEST(Range, EmptyRanges) {
  for (const Tensor& r : {range(0), range(5, 5), range(5, 0), range(0, 5, -1), range(-3)}) {
    EXPECT_EQ(r.shape(), (Shape{0}));
    EXPECT_EQ(r.dtype(), int32);
  }
  EXPECT_EQ(range(0.5, 0.5, 1.0).shape(), (Shape{0}));
  EXPECT_EQ(range(1.0, 0.0, 0.5).shape(), (Shape{0}));
}

TEST(Range, FloatForms) {
  Tensor r = range(0.0, 1.0, 0.25);
  EXPECT_EQ(r.dtype(), float32);
  expect_values(r, {0, 0.25, 0.5, 0.75}, 0);
  expect_values(range(1.0, 0.0, -0.25), {1, 0.75, 0.5, 0.25}, 0);
  Tensor r64 = range(0.0, 1.0, 0.3, float64);
  EXPECT_EQ(r64.dtype(), float64);
  expect_values(r64, {0, 0.3, 0.6, 0.9}, 1e-15);  // limit excluded, partial last step included
  expect_values(range(-1.5, 1.0, 1.0), {-1.5, -0.5, 0.5}, 0);
}

TEST(Range, ZeroDeltaIsAnError) {
  expect_error<ValueError>([] { range(0, 5, 0); }, "range: delta must not be 0");
  expect_error<ValueError>([] { range(0.0, 1.0, 0.0); }, "range: delta must not be 0");
}

TEST(Linspace, EvenlySpacedInclusive) {
  Tensor l = linspace(0, 1, 5);
  EXPECT_EQ(l.dtype(), float32);
  EXPECT_EQ(l.shape(), (Shape{5}));
  expect_values(l, {0, 0.25, 0.5, 0.75, 1}, 0);
  expect_values(linspace(1, -1, 3, float64), {1, 0, -1}, 0);
  expect_values(linspace(3, 7, 1), {3}, 0);
  EXPECT_EQ(linspace(3, 7, 0).shape(), (Shape{0}));
  // The endpoint is exactly stop, even where start + (stop - start) * i / (n - 1) rounds off.
  std::vector<double> v = linspace(-0.7, 0.1, 8, float64).to_vector<double>();
  EXPECT_EQ(v.front(), -0.7);
  EXPECT_EQ(v.back(), 0.1);
  EXPECT_NEAR(v[4], -0.7 + 0.8 * 4 / 7, 1e-15);
  EXPECT_EQ(linspace(0.2, 0.9, 11, float64).to_vector<double>().back(), 0.9);
}

TEST(Linspace, Errors) {
  expect_error<TypeError>([] { linspace(0, 1, 3, int32); },
                          "linspace: expected a floating-point tensor");
  expect_error<ValueError>([] { linspace(0, 1, -1); }, "linspace: expected num >= 0, received -1");
}

// ---- eye ----

TEST(Eye, SquareAndRectangular) {
  Tensor i3 = eye(3);
  EXPECT_EQ(i3.dtype(), float32);
  EXPECT_EQ(i3.shape(), (Shape{3, 3}));
  expect_values(i3, {1, 0, 0, 0, 1, 0, 0, 0, 1}, 0);
  Tensor wide = eye(2, 3);
  EXPECT_EQ(wide.shape(), (Shape{2, 3}));
  expect_values(wide, {1, 0, 0, 0, 1, 0}, 0);
  Tensor tall = eye(3, 2, int32);
  EXPECT_EQ(tall.dtype(), int32);
  EXPECT_EQ(tall.shape(), (Shape{3, 2}));
  EXPECT_EQ(tall.to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(eye(0).shape(), (Shape{0, 0}));
  EXPECT_EQ(eye(2, 0).shape(), (Shape{2, 0}));
  expect_error<ValueError>([] { eye(-1); }, "eye: expected non-negative sizes, received -1 x -1");
}

// ---- one_hot ----

TEST(OneHot, DefaultLastAxis) {
  Tensor h = one_hot(constant({0, 2, 1}), 3);
  EXPECT_EQ(h.dtype(), float32);
  EXPECT_EQ(h.shape(), (Shape{3, 3}));
  expect_values(h, {1, 0, 0, 0, 0, 1, 0, 1, 0}, 0);
}

TEST(OneHot, OutOfRangeIndicesGiveAllOffRows) {
  Tensor h = one_hot(constant({-1, 3, 1, 7}, int64), 3);
  EXPECT_EQ(h.shape(), (Shape{4, 3}));
  expect_values(h, {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 0);
}

TEST(OneHot, OnOffValuesAndDtype) {
  Tensor h = one_hot(constant({1, 0}), 2, {.on_value = 5, .off_value = -1, .dtype = int32});
  EXPECT_EQ(h.dtype(), int32);
  EXPECT_EQ(h.to_vector<int32_t>(), (std::vector<int32_t>{-1, 5, 5, -1}));
  Tensor g =
      one_hot(constant({2}, uint8), 3, {.on_value = 0.9, .off_value = 0.05, .dtype = float64});
  expect_values(g, {0.05, 0.05, 0.9}, 0);
}

TEST(OneHot, Axis) {
  // indices [3], axis 0: [depth, 3].
  Tensor h0 = one_hot(constant({0, 2, 1}), 3, {.axis = 0});
  EXPECT_EQ(h0.shape(), (Shape{3, 3}));
  expect_values(h0, {1, 0, 0, 0, 0, 1, 0, 1, 0}, 0);
  Tensor h0r = one_hot(constant({0, 1, 1, 3}), 2, {.axis = 0});
  EXPECT_EQ(h0r.shape(), (Shape{2, 4}));
  expect_values(h0r, {1, 0, 0, 0, 0, 1, 1, 0}, 0);
  // indices [2,2], axis 1: [2, depth, 2]; out[i][k][j] = (indices[i][j] == k).
  Tensor idx = constant({{0, 1}, {2, 0}});
  Tensor h1 = one_hot(idx, 3, {.axis = 1});
  EXPECT_EQ(h1.shape(), (Shape{2, 3, 2}));
  expect_values(h1, {1, 0, 0, 1, 0, 0, /**/ 0, 1, 0, 0, 1, 0}, 0);
  Tensor h2 = one_hot(idx, 3);
  EXPECT_EQ(h2.shape(), (Shape{2, 2, 3}));
  expect_values(h2, {1, 0, 0, 0, 1, 0, /**/ 0, 0, 1, 1, 0, 0}, 0);
  Tensor s = one_hot(constant(1), 3);
  EXPECT_EQ(s.shape(), (Shape{3}));
  expect_values(s, {0, 1, 0}, 0);
  EXPECT_EQ(one_hot(constant({0, 1}), 0).shape(), (Shape{2, 0}));
}

TEST(OneHot, Errors) {
  expect_error<TypeError>(
      [] {
        one_hot(constant({0.0, 1.0}), 2);
      },
      "one_hot: expected dtype in {int32, int64, uint8}, received float32");
  expect_error<ValueError>(
      [] {
        one_hot(constant({0, 1}), 2, {.axis = 2});
      },
      "one_hot: axis 2 is out of range for indices of rank 1 (expected -1 <= "
      "axis <= 1)");
  expect_error<ValueError>(
      [] {
        one_hot(constant({0, 1}), 2, {.axis = -2});
      },
      "one_hot: axis -2 is out of range");
  expect_error<ValueError>([] { one_hot(constant({0}), -1); },
                           "one_hot: expected depth >= 0, received -1");
  expect_error<ValueError>([] { one_hot(Tensor(), 2); }, "one_hot: input is an undefined Tensor");
}

// A depth whose output cannot be allocated is a ResourceExhaustedError naming one_hot and the
// shape (it used to be a bare std::bad_alloc from a temporary); a depth whose element count
// overflows is a ValueError.
TEST(OneHot, HugeDepthIsAnErrorNamingTheOp) {
  expect_error<ResourceExhaustedError>(
      [] {
        one_hot(constant({0, 1, 2, 3}), int64_t{1} << 40);
      },
      "one_hot: out of memory allocating 17592186044416 bytes (16.00 TiB) for a float32 tensor "
      "of shape (4, 1099511627776)");
  expect_error<ValueError>(
      [] {
        one_hot(constant({0, 1, 2, 3}), int64_t{1} << 62);
      },
      "shape (4, 4611686018427387904) has too many elements");
}

// ---- size overflow and exhaustion in creation ops ----

TEST(Fill, ShapesWhoseSizeOverflowsAreValueErrors) {
  // Used to return a tensor of 0 bytes that reduce_sum then read past (SIGSEGV).
  expect_error<ValueError>(
      [] {
        zeros(Shape{int64_t{1} << 62, 8});
      },
      "shape (4611686018427387904, 8) has too many elements");
  expect_error<ValueError>(
      [] {
        ones(Shape{int64_t{1} << 32, int64_t{1} << 32});
      },
      "shape (4294967296, 4294967296) has too many elements");
  expect_error<ValueError>([] { fill(Shape{int64_t{1} << 61}, 1.0, float64); },
                           "fill: a float64 tensor of shape (2305843009213693952,) would take");
  EXPECT_EQ(zeros(Shape{int64_t{1} << 62, 8, 0}).num_elements(), 0);
}

TEST(Fill, UnsatisfiableSizesAreResourceExhaustedErrors) {
  // 4 TiB: refused by the allocator up front, nothing is committed.
  expect_error<ResourceExhaustedError>(
      [] {
        zeros(Shape{int64_t{1} << 30, 1024});
      },
      "zeros: out of memory allocating 4398046511104 bytes (4.00 TiB) for a float32 tensor of "
      "shape (1073741824, 1024) on CPU:0; the allocator holds ");
  expect_error<ResourceExhaustedError>([] { ones(Shape{int64_t{1} << 42}, uint8); },
                                       "ones: out of memory allocating 4398046511104 bytes");
}

// ---- meshgrid ----

TEST(Meshgrid, CartesianIndexing) {
  auto g = meshgrid({constant({1, 2, 3}), constant({4, 5})});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(g[1].shape(), (Shape{2, 3}));
  EXPECT_EQ(g[0].dtype(), int32);
  EXPECT_EQ(g[0].to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(g[1].to_vector<int32_t>(), (std::vector<int32_t>{4, 4, 4, 5, 5, 5}));
}

TEST(Meshgrid, MatrixIndexing) {
  auto g = meshgrid({constant({1, 2, 3}), constant({4, 5})}, "ij");
  EXPECT_EQ(g[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(g[1].shape(), (Shape{3, 2}));
  EXPECT_EQ(g[0].to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(g[1].to_vector<int32_t>(), (std::vector<int32_t>{4, 5, 4, 5, 4, 5}));
}

TEST(Meshgrid, ThreeInputs) {
  Tensor x = constant({1.0, 2.0}), y = constant({3.0, 4.0, 5.0}),
         z = constant({6.0, 7.0, 8.0, 9.0});
  auto xy = meshgrid({x, y, z});
  ASSERT_EQ(xy.size(), 3u);
  for (const Tensor& t : xy) EXPECT_EQ(t.shape(), (Shape{3, 2, 4}));
  std::vector<float> vx = xy[0].to_vector<float>(), vy = xy[1].to_vector<float>(),
                     vz = xy[2].to_vector<float>();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 4; ++k) {
        int flat = (i * 2 + j) * 4 + k;
        EXPECT_EQ(vx[flat], 1.f + j);
        EXPECT_EQ(vy[flat], 3.f + i);
        EXPECT_EQ(vz[flat], 6.f + k);
      }
  auto ij = meshgrid({x, y, z}, "ij");
  for (const Tensor& t : ij) EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(ij[1].to_vector<float>()[4], 4.f);  // [0][1][0]
}

TEST(Meshgrid, SingleInputAndErrors) {
  auto g = meshgrid({constant({1, 2})});
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].shape(), (Shape{2}));
  EXPECT_TRUE(meshgrid({}).empty());
  expect_error<ValueError>([] { meshgrid({constant({1})}, "xz"); },
                           "meshgrid: indexing must be 'xy' or 'ij', received 'xz'");
  expect_error<TypeError>([] { meshgrid({constant({"a"})}); },
                          "meshgrid: expected a numeric tensor, received dtype string");
}

TEST(Meshgrid, GradientSumsOverTheGrid) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        auto g = meshgrid({in[0], in[1]});
        return g[0] * g[1] + g[0];
      },
      {constant({0.5, -1.0, 2.0}, float64), constant({1.5, 0.25}, float64)});
}

}  // namespace
}  // namespace tandem
