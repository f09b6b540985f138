#include "tandem/ops/shape_ops.h"

#include <gtest/gtest.h>

#include <limits>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

// [0, 1, ..., n-1] as float64 in `shape`.
Tensor iota(const Shape& shape, DType dtype = float64) {
  return reshape(range(0, shape.num_elements(), 1, dtype), shape);
}

// Values that are not symmetric under any of the tested permutations (gradient checks).
Tensor sample(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.3 + 0.7 * static_cast<double>(i) - 0.05 * i * i;
  return Tensor::from_vector(v, shape);
}

// ---- reshape / expand_dims / squeeze ----

TEST(Reshape, InfersMinusOneAndSharesStorage) {
  Tensor x = iota({6});
  Tensor y = reshape(x, {2, -1});
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  expect_values(y, {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(y.storage(), x.storage()) << "reshape is a view";
  EXPECT_EQ(reshape(x, {-1}).shape(), Shape({6}));
  EXPECT_EQ(reshape(iota({1}), {}).shape(), Shape({}));
}

TEST(Reshape, Errors) {
  Tensor x = iota({6});
  expect_error<ValueError>(
      [&] {
        reshape(x, {4, -1});
      },
      "reshape: cannot reshape a tensor with 6 elements to shape [4,-1]");
  expect_error<ValueError>(
      [&] {
        reshape(x, {4, 2});
      },
      "reshape: cannot reshape a tensor with 6 elements (shape [6]) to shape "
      "[4,2] (8 elements)");
  expect_error<ValueError>([&] { reshape(x, {-1, -1}); }, "only one dimension can be -1");
  expect_error<ValueError>([&] { reshape(x, {-2, 3}); }, "dimensions must be >= 0 or -1");
}

TEST(Reshape, Gradient) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(reshape(in[0], {3, -1}));
      },
      {sample({2, 3})});
}

TEST(ExpandDims, PositiveAndNegativeAxes) {
  Tensor x = iota({2, 3});
  EXPECT_EQ(expand_dims(x, 0).shape(), Shape({1, 2, 3}));
  EXPECT_EQ(expand_dims(x, 2).shape(), Shape({2, 3, 1}));
  EXPECT_EQ(expand_dims(x, -1).shape(), Shape({2, 3, 1}));
  EXPECT_EQ(expand_dims(x, -2).shape(), Shape({2, 1, 3}));
  EXPECT_EQ(expand_dims(x, -3).shape(), Shape({1, 2, 3}));
  expect_values(expand_dims(x, 1), {0, 1, 2, 3, 4, 5});
  expect_error<ValueError>([&] { expand_dims(x, 3); },
                           "expand_dims: axis 3 is out of range for a tensor of rank 2");
  expect_error<ValueError>([&] { expand_dims(x, -4); }, "expected -3 <= axis <= 2");
  check_gradients([](const std::vector<Tensor>& in) { return expand_dims(in[0], -1) * in[0][0]; },
                  {sample({2, 3})});
}

TEST(Squeeze, AllAndSelectedAxes) {
  Tensor x = iota({1, 2, 1, 3, 1});
  EXPECT_EQ(squeeze(x).shape(), Shape({2, 3}));
  EXPECT_EQ(squeeze(x, {0}).shape(), Shape({2, 1, 3, 1}));
  EXPECT_EQ(squeeze(x, {-1, 2}).shape(), Shape({1, 2, 3}));
  expect_values(squeeze(x), {0, 1, 2, 3, 4, 5});
  expect_error<ValueError>([&] { squeeze(x, {1}); },
                           "squeeze: cannot squeeze axis 1 of size 2 (shape [1,2,1,3,1])");
  expect_error<ValueError>([&] { squeeze(x, {5}); }, "squeeze: axis 5 is out of range");
  check_gradients([](const std::vector<Tensor>& in) { return square(squeeze(in[0], {0})); },
                  {sample({1, 3})});
}

// ---- transpose / broadcast_to ----

TEST(Transpose, DefaultReversesDimensions) {
  Tensor x = iota({2, 3});
  Tensor y = transpose(x);
  EXPECT_EQ(y.shape(), Shape({3, 2}));
  expect_values(y, {0, 3, 1, 4, 2, 5});
  EXPECT_EQ(transpose(iota({2, 3, 4})).shape(), Shape({4, 3, 2}));
}

TEST(Transpose, Permutations) {
  Tensor x = iota({2, 3, 2});  // x[i][j][k] = 6i + 2j + k
  Tensor y = transpose(x, std::vector<int64_t>{1, 0, 2});
  EXPECT_EQ(y.shape(), Shape({3, 2, 2}));
  expect_values(y, {0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11});
  Tensor z = transpose(x, std::vector<int64_t>{2, 0, -2});  // -2 is axis 1
  EXPECT_EQ(z.shape(), Shape({2, 2, 3}));
  expect_values(z, {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11});
  Tensor s = transpose(constant({{"a", "b", "c"}, {"d", "e", "f"}}));
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"a", "d", "b", "e", "c", "f"}));
}

TEST(Transpose, ErrorsAndGradient) {
  Tensor x = iota({2, 3, 2});
  expect_error<ValueError>(
      [&] {
        transpose(x, std::vector<int64_t>{0, 1});
      },
      "transpose: perm has 2 entries for a tensor of rank 3");
  expect_error<ValueError>(
      [&] {
        transpose(x, std::vector<int64_t>{0, 1, 1});
      },
      "dimension 1 appears twice");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return transpose(in[0], std::vector<int64_t>{2, 0, 1}) * 3.0;
      },
      {sample({2, 3, 2})});
}

TEST(BroadcastTo, ValuesErrorsGradient) {
  Tensor x = constant({1.0, 2.0, 3.0}, float64);
  Tensor y = broadcast_to(x, {2, 3});
  expect_values(y, {1, 2, 3, 1, 2, 3});
  expect_values(broadcast_to(reshape(x, {3, 1}), {3, 2}), {1, 1, 2, 2, 3, 3});
  expect_error<ShapeError>([&] { broadcast_to(x, {2, 4}); }, "broadcast_to: incompatible shapes");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return broadcast_to(in[0], {4, 2, 3});
      },
      {sample({2, 1})});
}

// ---- concat / stack / split / unstack ----

TEST(Concat, AxesAndStrings) {
  Tensor a = iota({2, 2});
  Tensor b = iota({2, 1}) + 10.0;
  expect_values(concat({a, b}, 1), {0, 1, 10, 2, 3, 11});
  expect_values(concat({a, b}, -1), {0, 1, 10, 2, 3, 11});
  Tensor c = concat({a, transpose(b)}, 0);
  EXPECT_EQ(c.shape(), Shape({3, 2}));
  expect_values(c, {0, 1, 2, 3, 10, 11});
  Tensor s = concat({constant({"x", "y"}), constant({"z"})}, 0);
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Concat, Errors) {
  Tensor a = iota({2, 2});
  expect_error<ShapeError>(
      [&] {
        concat({a, iota({3, 3})}, 0);
      },
      "concat: dimension 1 of input 1 is 3, expected 2");
  expect_error<TypeError>(
      [&] {
        concat({a, iota({2, 2}, float32)}, 0);
      },
      "expected y to have dtype float64 like x, received float32");
  expect_error<ValueError>([&] { concat({}, 0); }, "concat: expected at least one tensor");
  expect_error<ValueError>([&] { concat({a, a}, 2); }, "concat: axis 2 is out of range");
}

TEST(Concat, Gradient) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(concat({in[0], in[1]}, 1));
      },
      {sample({2, 2}), sample({2, 3})});
}

TEST(Stack, AxesErrorsGradient) {
  Tensor a = constant({1.0, 2.0}, float64), b = constant({3.0, 4.0}, float64);
  Tensor s0 = stack({a, b});
  EXPECT_EQ(s0.shape(), Shape({2, 2}));
  expect_values(s0, {1, 2, 3, 4});
  Tensor s1 = stack({a, b}, 1);
  expect_values(s1, {1, 3, 2, 4});
  expect_values(stack({a, b}, -1), {1, 3, 2, 4});
  expect_error<ShapeError>(
      [&] {
        stack({a, constant({1.0}, float64)});
      },
      "stack: expected every input to have shape [2], input 1 has shape [1]");
  expect_error<ValueError>([&] { stack({a, b}, 2); }, "stack: axis 2 is out of range");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return stack({in[0], square(in[1])}, 1);
      },
      {sample({3}), sample({3})});
}

TEST(Split, ByCountAndBySizes) {
  Tensor x = iota({2, 6});
  std::vector<Tensor> parts = split(x, 3, 1);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].shape(), Shape({2, 2}));
  expect_values(parts[1], {2, 3, 8, 9});
  std::vector<Tensor> sized = split(x, std::vector<int64_t>{1, -1, 2}, -1);
  ASSERT_EQ(sized.size(), 3u);
  EXPECT_EQ(sized[1].shape(), Shape({2, 3}));
  expect_values(sized[0], {0, 6});
  expect_values(sized[1], {1, 2, 3, 7, 8, 9});
  expect_values(sized[2], {4, 5, 10, 11});
  std::vector<Tensor> strings = split(constant({"a", "b", "c", "d"}), 2);
  EXPECT_EQ(strings[1].to_vector<std::string>(), (std::vector<std::string>{"c", "d"}));
}

TEST(Split, Errors) {
  Tensor x = iota({2, 6});
  expect_error<ValueError>([&] { split(x, 4, 1); },
                           "split: axis 1 of size 6 is not divisible into 4 equal parts");
  expect_error<ValueError>(
      [&] {
        split(x, std::vector<int64_t>{2, 2}, 1);
      },
      "split: sizes add up to 4 but axis 1 has size 6");
  expect_error<ValueError>(
      [&] {
        split(x, std::vector<int64_t>{-1, -1}, 1);
      },
      "only one size can be -1");
  expect_error<ValueError>(
      [&] {
        split(x, std::vector<int64_t>{5, -1, 3}, 1);
      },
      "split: sizes add up to");
  expect_error<ValueError>([&] { split(x, 0); }, "expected num_splits > 0");
}

TEST(Split, Gradient) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        std::vector<Tensor> p = split(in[0], std::vector<int64_t>{1, -1}, 1);
        return concat({square(p[1]), p[0] * 5.0}, 1);
      },
      {sample({2, 4})});
}

TEST(Unstack, ValuesAndGradient) {
  Tensor x = iota({2, 3});
  std::vector<Tensor> cols = unstack(x, 1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[2].shape(), Shape({2}));
  expect_values(cols[2], {2, 5});
  std::vector<Tensor> rows = unstack(x);
  expect_values(rows[1], {3, 4, 5});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        std::vector<Tensor> r = unstack(in[0], -1);
        return stack({r[2] * r[0], r[1]});
      },
      {sample({2, 3})});
}

// ---- tile ----

TEST(Tile, Values) {
  Tensor x = constant({{1, 2}, {3, 4}});
  Tensor a = tile(x, {1, 2});
  EXPECT_EQ(a.shape(), Shape({2, 4}));
  expect_values(a, {1, 2, 1, 2, 3, 4, 3, 4});
  Tensor b = tile(x, {2, 1});
  expect_values(b, {1, 2, 3, 4, 1, 2, 3, 4});
  EXPECT_EQ(b.dtype(), int32);
  expect_values(tile(constant({1, 2, 3}), {2}), {1, 2, 3, 1, 2, 3});
  EXPECT_EQ(tile(x, {0, 3}).shape(), Shape({0, 6}));
  EXPECT_EQ(tile(constant({"a", "b"}), {2}).to_vector<std::string>(),
            (std::vector<std::string>{"a", "b", "a", "b"}));
}

TEST(Tile, ErrorsAndGradient) {
  Tensor x = iota({2, 2});
  expect_error<ValueError>([&] { tile(x, {2}); },
                           "tile: expected multiples of length 2 (the rank of the input, shape "
                           "[2,2]), received length 1");
  expect_error<ValueError>(
      [&] {
        tile(x, {1, -1});
      },
      "tile: expected multiples >= 0, received -1 for dimension 1");
  {
    // Each input element appears in 2 * 3 tiles: d sum / dx = 6.
    GradientTape tape;
    tape.watch(x);
    Tensor y = reduce_sum(tile(x, {2, 3}));
    expect_values(*tape.gradient(y, x), {6, 6, 6, 6});
  }
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return tile(in[0], {2, 1, 3});
      },
      {sample({2, 3, 1})});
}

// ---- pad ----

TEST(Pad, ModesMatchTensorFlowDocs) {
  Tensor t = constant({{1, 2, 3}, {4, 5, 6}});
  std::vector<std::pair<int64_t, int64_t>> paddings{{1, 1}, {2, 2}};
  Tensor c = pad(t, paddings);
  EXPECT_EQ(c.shape(), Shape({4, 7}));
  expect_values(
      c, {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  Tensor r = pad(t, paddings, {.mode = "REFLECT"});
  expect_values(
      r, {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1});
  Tensor s = pad(t, paddings, {.mode = "symmetric"});
  expect_values(
      s, {2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5});
}

TEST(Pad, ConstantValuesAndStrings) {
  Tensor x = constant({1.5, 2.5});
  Tensor y = pad(x, {{2, 1}}, {.constant_values = -1});
  EXPECT_EQ(y.dtype(), float32);
  expect_values(y, {-1, -1, 1.5, 2.5, -1});
  Tensor s = pad(constant({"a", "b"}), {{1, 0}});
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"", "a", "b"}));
  Tensor m = pad(constant({"a", "b", "c"}), {{1, 1}}, {.mode = "REFLECT"});
  EXPECT_EQ(m.to_vector<std::string>(), (std::vector<std::string>{"b", "a", "b", "c", "b"}));
  EXPECT_EQ(pad(iota({0, 2}), {{1, 0}, {0, 0}}).shape(), Shape({1, 2}));
}

TEST(Pad, Errors) {
  Tensor t = iota({2, 3});
  expect_error<ValueError>(
      [&] {
        pad(t, {{1, 1}});
      },
      "pad: expected 2 [before, after] pairs (one per dimension of shape "
      "[2,3]), received 1");
  expect_error<ValueError>(
      [&] {
        pad(t, {{0, 0}, {-1, 0}});
      },
      "pad: expected non-negative paddings, received [-1, 0] for dimension 1");
  expect_error<ValueError>(
      [&] {
        pad(t, {{0, 0}, {3, 0}}, {.mode = "REFLECT"});
      },
      "pad: REFLECT paddings must be less than the dimension size, received "
      "[3, 0] for dimension 1 of size 3");
  expect_error<ValueError>(
      [&] {
        pad(t, {{0, 3}, {0, 0}}, {.mode = "SYMMETRIC"});
      },
      "pad: SYMMETRIC paddings must be at most the dimension size, received "
      "[0, 3] for dimension 0 of size 2");
  expect_error<ValueError>(
      [&] {
        pad(t, {{0, 0}, {0, 0}}, {.mode = "WRAP"});
      },
      "pad: expected mode CONSTANT, REFLECT or SYMMETRIC, received 'WRAP'");
}

TEST(Pad, MirrorGradientAccumulatesCopies) {
  // REFLECT [a, b, c] by 2 on each side: [c, b, a, b, c, b, a].
  Tensor x = constant({1.0, 2.0, 3.0}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = reduce_sum(pad(x, {{2, 2}}, {.mode = "REFLECT"}));
  expect_values(*tape.gradient(y, x), {2, 3, 2});
}

TEST(Pad, Gradients) {
  std::vector<std::pair<int64_t, int64_t>> paddings{{1, 2}, {2, 1}};
  for (const char* mode : {"CONSTANT", "REFLECT", "SYMMETRIC"}) {
    SCOPED_TRACE(mode);
    check_gradients(
        [&](const std::vector<Tensor>& in) {
          return pad(in[0], paddings, {.mode = mode, .constant_values = 2});
        },
        {sample({3, 3})});
  }
}

TEST(Pad, SecondOrderGradientOfMirrorPad) {
  // f(x) = d/dx sum(w * pad(x)^2) runs the mirror-pad gradient, whose own gradient pads again.
  check_gradients(
      [](const std::vector<Tensor>& in) {
        GradientTape inner;
        inner.watch(in[0]);
        Tensor p = pad(in[0], {{2, 1}}, {.mode = "SYMMETRIC"});
        Tensor loss = reduce_sum(square(p) * testing::weights_like(p));
        return *inner.gradient(loss, in[0]);
      },
      {sample({3})});
}

// ---- reverse ----

TEST(Reverse, AxesValuesStrings) {
  Tensor x = iota({2, 3});
  expect_values(reverse(x, {0}), {3, 4, 5, 0, 1, 2});
  expect_values(reverse(x, {1}), {2, 1, 0, 5, 4, 3});
  expect_values(reverse(x, {-1}), {2, 1, 0, 5, 4, 3});
  expect_values(reverse(x, {0, 1}), {5, 4, 3, 2, 1, 0});
  expect_values(reverse(x, {}), {0, 1, 2, 3, 4, 5});
  EXPECT_EQ(reverse(constant({"a", "b", "c"}), {0}).to_vector<std::string>(),
            (std::vector<std::string>{"c", "b", "a"}));
  expect_values(reverse(constant({{1, 2}, {3, 4}}), {1}), {2, 1, 4, 3});
}

TEST(Reverse, ErrorsAndGradient) {
  Tensor x = iota({2, 3});
  expect_error<ValueError>(
      [&] {
        reverse(x, {1, -1});
      },
      "reverse: axis -1 (dimension 1) is specified more than once");
  expect_error<ValueError>([&] { reverse(x, {2}); }, "reverse: axis 2 is out of range");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(reverse(in[0], {0, 2}));
      },
      {sample({2, 2, 3})});
}

TEST(IndexMapKernels, LargeInputsTakeTheParallelPath) {
  // 256 x 256 elements is above the OpenMP threshold.
  Tensor x = iota({256, 256});
  std::vector<double> r = reverse(x, {0}).to_vector<double>();
  std::vector<double> t = tile(x, {1, 2}).to_vector<double>();
  std::vector<double> p = pad(x, {{1, 1}, {0, 0}}, {.mode = "SYMMETRIC"}).to_vector<double>();
  for (int64_t i = 0; i < 256; ++i) {
    for (int64_t j = 0; j < 256; ++j) {
      ASSERT_EQ(r[i * 256 + j], (255 - i) * 256 + j);
      ASSERT_EQ(t[i * 512 + 256 + j], i * 256 + j);
      ASSERT_EQ(p[(i + 1) * 256 + j], i * 256 + j);
    }
  }
  EXPECT_EQ(p[5], 5) << "SYMMETRIC copies the edge row";
  EXPECT_EQ(p[257 * 256 + 5], 255 * 256 + 5);
}

// ---- shapes whose size overflows int64 ----

TEST(ShapeOps, OverflowingOutputShapesAreValueErrorsNamingTheOp) {
  Tensor x = constant({1.f, 2.f});
  expect_error<ValueError>(
      [&] {
        reshape(x, Shape{int64_t{1} << 62, 8, -1});
      },
      "reshape: cannot reshape a tensor with 2 elements to shape "
      "[4611686018427387904,8,-1]");
  expect_error<ValueError>(
      [&] {
        reshape(x, Shape{int64_t{1} << 62, 8});
      },
      "shape (4611686018427387904, 8) has too many elements");
  expect_error<ValueError>(
      [&] {
        broadcast_to(x, Shape{int64_t{1} << 61, 2});
      },
      "broadcast_to: a float32 tensor of shape (2305843009213693952, 2) "
      "would take");
  expect_error<ValueError>([&] { tile(x, {int64_t{1} << 62}); },
                           "tile: dimension 0 of shape [2] times multiple 4611686018427387904 "
                           "overflows int64");
  expect_error<ValueError>(
      [&] {
        tile(constant({{1.f}}), {int64_t{1} << 32, int64_t{1} << 32});
      },
      "shape (4294967296, 4294967296) has too many elements");
  expect_error<ValueError>(
      [&] {
        pad(x, {{std::numeric_limits<int64_t>::max(), 1}});
      },
      "pad: dimension 0 of shape [2] padded by [9223372036854775807, 1] overflows int64");
  Tensor big = reshape(x, Shape{2, 1});
  expect_error<ValueError>(
      [&] {
        concat({Tensor::from_storage(big.storage(), 0,
                                     Shape{0, std::numeric_limits<int64_t>::max()}, float32),
                Tensor::from_storage(big.storage(), 0, Shape{0, 1}, float32)},
               1);
      },
      "concat: the inputs' sizes along axis 1 add up to more than fit in int64");
  // Outputs that fit but that no machine holds are ResourceExhaustedErrors naming the op.
  expect_error<ResourceExhaustedError>([&] { tile(x, {int64_t{1} << 41}); },
                                       "tile: out of memory allocating 17592186044416 bytes");
  expect_error<ResourceExhaustedError>(
      [&] {
        pad(x, {{int64_t{1} << 42, 0}});
      },
      "pad: out of memory allocating 17592186044424 bytes");
  expect_error<ResourceExhaustedError>(
      [&] {
        broadcast_to(x, Shape{int64_t{1} << 41, 2});
      },
      "broadcast_to: out of memory allocating");
}

}  // namespace
}  // namespace tandem
