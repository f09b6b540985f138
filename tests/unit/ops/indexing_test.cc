#include "tandem/ops/indexing.h"

#include <gtest/gtest.h>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

Tensor iota(const Shape& shape, DType dtype = float64) {
  return reshape(range(0, shape.num_elements(), 1, dtype), shape);
}

Tensor sample(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.3 + 0.7 * static_cast<double>(i) - 0.05 * i * i;
  return Tensor::from_vector(v, shape);
}

// ---- string subscripts ----

TEST(StringIndex, IntegersRemoveDimensions) {
  Tensor x = iota({2, 3, 4});  // x[i][j][k] = 12i + 4j + k
  Tensor row = x["1"];
  EXPECT_EQ(row.shape(), Shape({3, 4}));
  expect_values(row, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23});
  Tensor e = x["1, 2, 3"];
  EXPECT_EQ(e.shape(), Shape({}));
  EXPECT_DOUBLE_EQ(e.item<double>(), 23);
  EXPECT_DOUBLE_EQ(x["-1, -3, -4"].item<double>(), 12);
  Tensor y = iota({2, 10, 3});
  EXPECT_DOUBLE_EQ(y["1, 9, 1"].item<double>(), 30 + 27 + 1);
}

TEST(StringIndex, Slices) {
  Tensor x = iota({2, 3, 4});
  Tensor a = x["0, ::"];
  EXPECT_EQ(a.shape(), Shape({3, 4}));
  expect_values(a, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor b = x[":, 1:"];
  EXPECT_EQ(b.shape(), Shape({2, 2, 4}));
  expect_values(b, {4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23});
  Tensor c = x["..., 1, tf.newaxis"];
  EXPECT_EQ(c.shape(), Shape({2, 3, 1}));
  expect_values(c, {1, 5, 9, 13, 17, 21});
  EXPECT_EQ(x["newaxis, 0"].shape(), Shape({1, 3, 4}));
  EXPECT_EQ(x["None, ..., None"].shape(), Shape({1, 2, 3, 4, 1}));
  Tensor d = x["1, 1:, ::2"];
  EXPECT_EQ(d.shape(), Shape({2, 2}));
  expect_values(d, {16, 18, 20, 22});
}

TEST(StringIndex, PythonSliceSemantics) {
  Tensor v = iota({10});
  expect_values(v["::2"], {0, 2, 4, 6, 8});
  expect_values(v["::-1"], {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  expect_values(v["1:-1"], {1, 2, 3, 4, 5, 6, 7, 8});
  expect_values(v["-3:"], {7, 8, 9});
  expect_values(v["5:2:-1"], {5, 4, 3});
  expect_values(v["-1:-4:-1"], {9, 8, 7});
  expect_values(v["::-3"], {9, 6, 3, 0});
  expect_values(v["1::3"], {1, 4, 7});
  expect_values(v[":100"], {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});  // bounds clamp
  expect_values(v["-100:2"], {0, 1});
  expect_values(v["100:0:-4"], {9, 5, 1});
  EXPECT_EQ(v["100:"].shape(), Shape({0}));
  EXPECT_EQ(v["5:2"].shape(), Shape({0}));
  EXPECT_EQ(v["2:5:-1"].shape(), Shape({0}));
  expect_values(v[" 2 : 8 : 2 "], {2, 4, 6});
  expect_values(v["None:3"], {0, 1, 2});
  // Extreme bounds and steps clamp instead of overflowing.
  expect_values(v["::9223372036854775807"], {0});
  expect_values(v["::-9223372036854775808"], {9});
  expect_values(v["-9223372036854775808:9223372036854775807:4"], {0, 4, 8});
  expect_error<ValueError>([&] { v["9223372036854775807"]; },
                           "index 9223372036854775807 is out of bounds for dimension 0");
  expect_error<ValueError>([&] { v["99999999999999999999"]; }, "cannot parse");
}

TEST(StringIndex, ScalarsStringsAndIntegers) {
  Tensor s = constant(5.0, float64);
  EXPECT_DOUBLE_EQ(s["..."].item<double>(), 5.0);
  EXPECT_EQ(s["tf.newaxis"].shape(), Shape({1}));
  Tensor words = constant({{"a", "b", "c"}, {"d", "e", "f"}});
  EXPECT_EQ(words[":, ::-2"].to_vector<std::string>(),
            (std::vector<std::string>{"c", "a", "f", "d"}));
  EXPECT_EQ(words["1, 1"].to_vector<std::string>(), std::vector<std::string>{"e"});
  Tensor ints = constant({{1, 2}, {3, 4}});
  Tensor col = ints[":, 1"];
  EXPECT_EQ(col.dtype(), int32);
  EXPECT_EQ(col.to_vector<int>(), (std::vector<int>{2, 4}));
}

TEST(StringIndex, ContiguousSelectionsAreViews) {
  Tensor x = iota({3, 4});
  EXPECT_EQ(x["1"].storage(), x.storage());
  EXPECT_EQ(x["1:3"].storage(), x.storage());
  EXPECT_EQ(x["1, 1:3"].storage(), x.storage());
  expect_values(x["1, 1:3"], {5, 6});
  EXPECT_NE(x[":, 1"].storage(), x.storage());
  EXPECT_NE(x["::2"].storage(), x.storage());
  expect_values(x["::2"], {0, 1, 2, 3, 8, 9, 10, 11});
}

TEST(StringIndex, Errors) {
  Tensor x = iota({2, 3});
  expect_error<ValueError>([&] { x["5"]; },
                           "strided_slice: index 5 is out of bounds for dimension 0 with size 2 "
                           "(expected -2 <= index < 2");
  expect_error<ValueError>([&] { x[":, -4"]; },
                           "index -4 is out of bounds for dimension 1 with size 3");
  expect_error<ValueError>([&] { x["::0"]; }, "strided_slice: slice step cannot be zero");
  expect_error<ValueError>([&] { x["..., 0, ..."]; }, "only one ellipsis");
  expect_error<ValueError>([&] { x["0, 0, 0"]; },
                           "strided_slice: too many indices for a tensor of rank 2 (3 indices "
                           "for shape [2,3])");
  expect_error<ValueError>([&] { x["0, abc"]; },
                           "Tensor::operator[]: cannot parse 'abc' in index '0, abc'");
  expect_error<ValueError>([&] { x["1:2:3:4"]; }, "cannot parse '1:2:3:4'");
  expect_error<ValueError>([&] { x["1.5"]; }, "cannot parse '1.5'");
  expect_error<ValueError>([&] { x["0,,1"]; }, "cannot parse ''");
  expect_error<ValueError>([&] { x[""]; }, "Tensor::operator[]: empty index");
  expect_error<ValueError>([&] { Tensor()["0"]; }, "is an undefined Tensor");
}

// ---- typed subscripts ----

TEST(TypedIndex, MatchesStringForm) {
  Tensor x = iota({2, 3, 4});
  Tensor a = x[{Slice(), Slice(1, None)}];
  EXPECT_EQ(a.shape(), x[":, 1:"].shape());
  EXPECT_EQ(a.to_vector<double>(), x[":, 1:"].to_vector<double>());
  Tensor b = x[{ellipsis, 1, newaxis}];
  EXPECT_EQ(b.shape(), Shape({2, 3, 1}));
  EXPECT_EQ(b.to_vector<double>(), x["..., 1, tf.newaxis"].to_vector<double>());
  EXPECT_DOUBLE_EQ((x[{1, 2, 3}]).item<double>(), 23);
  Tensor c = x[{Slice(None, None, -1), 0, Slice(1, 3)}];
  EXPECT_EQ(c.shape(), Shape({2, 2}));
  expect_values(c, {13, 14, 1, 2});
  EXPECT_EQ((x[{None, 0}]).shape(), Shape({1, 3, 4}));
  size_t i = 1;
  int64_t j = -1;
  EXPECT_EQ((x[{i, j}]).to_vector<double>(), x["1, -1"].to_vector<double>());
  expect_values(x[1][2], {20, 21, 22, 23});
  expect_values(x[-1][0], {12, 13, 14, 15});
}

TEST(TypedIndex, ErrorsNameTheDimension) {
  Tensor x = iota({2, 3});
  expect_error<ValueError>([&] { x[2]; }, "index 2 is out of bounds for dimension 0 with size 2");
  expect_error<ValueError>(
      [&] {
        x[{0, 3}];
      },
      "index 3 is out of bounds for dimension 1 with size 3");
  expect_error<ValueError>([&] { x[{Slice(0, 2, 0)}]; }, "slice step cannot be zero");
  expect_error<ValueError>([&] { x[{ellipsis, ellipsis}]; }, "only one ellipsis");
}

// ---- strided_slice and slice ----

TEST(StridedSlice, TensorFlowDocExamples) {
  Tensor t = constant({{{1, 1, 1}, {2, 2, 2}}, {{3, 3, 3}, {4, 4, 4}}, {{5, 5, 5}, {6, 6, 6}}});
  Tensor a = strided_slice(t, {1, 0, 0}, {2, 1, 3}, {1, 1, 1});
  EXPECT_EQ(a.shape(), Shape({1, 1, 3}));
  expect_values(a, {3, 3, 3});
  Tensor b = strided_slice(t, {1, 0, 0}, {2, 2, 3}, {1, 1, 1});
  EXPECT_EQ(b.shape(), Shape({1, 2, 3}));
  expect_values(b, {3, 3, 3, 4, 4, 4});
  Tensor c = strided_slice(t, {1, -1, 0}, {2, -3, 3}, {1, -1, 1});
  EXPECT_EQ(c.shape(), Shape({1, 2, 3}));
  expect_values(c, {4, 4, 4, 3, 3, 3});
}

TEST(StridedSlice, Masks) {
  Tensor x = iota({3, 4});
  // x[1:, :2] with the end of dim 0 masked.
  Tensor a = strided_slice(x, {1, 0}, {0, 2}, {}, {.end_mask = 1});
  expect_values(a, {4, 5, 8, 9});
  // x[..., 2]: ellipsis then a shrunk index.
  Tensor b = strided_slice(x, {0, 2}, {0, 3}, {1, 1}, {.ellipsis_mask = 1, .shrink_axis_mask = 2});
  EXPECT_EQ(b.shape(), Shape({3}));
  expect_values(b, {2, 6, 10});
  // x[tf.newaxis, ::-1] with begin and end masked.
  Tensor c = strided_slice(x, {0, 0}, {0, 0}, {1, -1},
                           {.begin_mask = 2, .end_mask = 2, .new_axis_mask = 1});
  EXPECT_EQ(c.shape(), Shape({1, 3, 4}));
  expect_values(c["0, :, 0"], {8, 4, 0});
  expect_error<ValueError>(
      [&] {
        strided_slice(x, {0}, {1, 2});
      },
      "begin, end and strides must have the same length");
}

TEST(Slice, ValuesAndErrors) {
  Tensor x = iota({3, 4});
  Tensor s = slice(x, {1, 1}, {2, -1});
  EXPECT_EQ(s.shape(), Shape({2, 3}));
  expect_values(s, {5, 6, 7, 9, 10, 11});
  expect_error<ValueError>(
      [&] {
        slice(x, {4, 0}, {1, 1});
      },
      "slice: expected begin[0] in [0, 3], received 4");
  expect_error<ValueError>(
      [&] {
        slice(x, {1, 2}, {1, 3});
      },
      "slice: expected size[1] in [0, 2] (or -1), received 3");
  expect_error<ValueError>([&] { slice(x, {1}, {1}); }, "expected begin and size of length 2");
}

TEST(StridedSlice, Gradients) {
  Tensor x = sample({3, 4});
  for (const char* spec : {"1:, ::-2", "..., 1", "1", "::2, 1:3", "tf.newaxis, -1, :"}) {
    SCOPED_TRACE(spec);
    check_gradients([&](const std::vector<Tensor>& in) { return square(in[0][spec]); }, {x});
  }
  check_gradients([](const std::vector<Tensor>& in) { return slice(in[0], {1, 0}, {1, 3}); }, {x});
  {
    // Untouched elements get zero gradient; selected ones get dy.
    GradientTape tape;
    tape.watch(x);
    Tensor y = reduce_sum(x[":, 1::2"] * 3.0);
    expect_values(*tape.gradient(y, x), {0, 3, 0, 3, 0, 3, 0, 3, 0, 3, 0, 3});
  }
}

TEST(StridedSlice, SecondOrderGradient) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        GradientTape inner;
        inner.watch(in[0]);
        Tensor s = in[0]["::-1, 1:"];
        Tensor loss = reduce_sum(s * s * s);
        return *inner.gradient(loss, in[0]);
      },
      {sample({3, 3})});
}

// ---- gather ----

TEST(Gather, AxisZeroAndOne) {
  Tensor params = constant({{1, 2}, {3, 4}, {5, 6}});
  Tensor a = gather(params, constant({2, 0, 2}));
  EXPECT_EQ(a.shape(), Shape({3, 2}));
  expect_values(a, {5, 6, 1, 2, 5, 6});
  Tensor b = gather(params, constant({1, 0}), {.axis = 1});
  expect_values(b, {2, 1, 4, 3, 6, 5});
  Tensor c = gather(params, constant({{0, 1}, {2, 2}}));
  EXPECT_EQ(c.shape(), Shape({2, 2, 2}));
  expect_values(c, {1, 2, 3, 4, 5, 6, 5, 6});
  Tensor d = gather(params, cast(constant({1}), int64), {.axis = -1});
  EXPECT_EQ(d.shape(), Shape({3, 1}));
  expect_values(d, {2, 4, 6});
  Tensor e = gather(params, constant(1));
  EXPECT_EQ(e.shape(), Shape({2}));
  expect_values(e, {3, 4});
  Tensor words = gather(constant({"a", "b", "c"}), constant({2, 2, 0}));
  EXPECT_EQ(words.to_vector<std::string>(), (std::vector<std::string>{"c", "c", "a"}));
}

TEST(Gather, BatchDims) {
  Tensor params = constant({{1, 2, 3}, {4, 5, 6}});
  Tensor indices = constant({{2, 0}, {1, 1}});
  Tensor a = gather(params, indices, {.batch_dims = 1});
  EXPECT_EQ(a.shape(), Shape({2, 2}));
  expect_values(a, {3, 1, 5, 5});
  // params [2, 2, 3], gather along axis 2 per batch row.
  Tensor p3 = iota({2, 2, 3});
  Tensor b = gather(p3, constant({{0}, {2}}), {.axis = 2, .batch_dims = 1});
  EXPECT_EQ(b.shape(), Shape({2, 2, 1}));
  expect_values(b, {0, 3, 8, 11});
}

TEST(Gather, Errors) {
  Tensor params = iota({5, 2});
  expect_error<ValueError>(
      [&] {
        gather(params, constant({1, 7}));
      },
      "gather: index 7 is out of range for axis 0 of size 5 (expected 0 <= "
      "index < 5), found at flat position 1 of indices");
  expect_error<ValueError>([&] { gather(params, constant({-1})); },
                           "gather: index -1 is out of range for axis 0 of size 5");
  expect_error<ValueError>([&] { gather(params, constant({0}), {.axis = 2}); },
                           "gather: axis 2 is out of range for a tensor of rank 2");
  expect_error<TypeError>([&] { gather(params, constant({0.0})); },
                          "gather: expected indices of dtype int32 or int64, received float32");
  expect_error<ValueError>(
      [&] {
        gather(params, constant({{0}, {1}}), {.axis = 0, .batch_dims = 1});
      },
      "gather: batch_dims (1) must be less than or equal to axis (0)");
  expect_error<ShapeError>(
      [&] {
        gather(params, constant({{0}, {1}, {1}}), {.axis = 1, .batch_dims = 1});
      },
      "gather: batch dimension 0 of params (shape [5,2]) and indices (shape [3,1]) differ");
  expect_error<ValueError>([&] { gather(params, constant({0}), {.batch_dims = 2}); },
                           "gather: batch_dims 2 is out of range for indices of rank 1");
}

TEST(Gather, GradientAccumulatesRepeatedIndices) {
  Tensor params = sample({3, 2});
  GradientTape tape;
  tape.watch(params);
  Tensor y = reduce_sum(gather(params, constant({0, 2, 0})));
  expect_values(*tape.gradient(y, params), {2, 2, 0, 0, 1, 1});
}

TEST(Gather, Gradients) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return gather(in[0], constant({{2, 0}, {0, 0}}));
      },
      {sample({3, 2})});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(gather(in[0], constant({1, 1, 0}), {.axis = 1}));
      },
      {sample({2, 3, 2})});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return gather(in[0], constant({{2, 2}, {0, 1}}), {.axis = 1, .batch_dims = 1});
      },
      {sample({2, 3})});
}

TEST(Gather, SecondOrderGradient) {
  check_gradients(
      [](const std::vector<Tensor>& in) {
        GradientTape inner;
        inner.watch(in[0]);
        Tensor g = gather(in[0], constant({1, 1, 2}));
        Tensor loss = reduce_sum(g * g * g);
        return *inner.gradient(loss, in[0]);
      },
      {sample({3})});
}

// ---- gather_nd ----

TEST(GatherNd, TensorFlowDocExamples) {
  Tensor p = constant({{"a", "b"}, {"c", "d"}});
  EXPECT_EQ(gather_nd(p, constant({{0, 0}, {1, 1}})).to_vector<std::string>(),
            (std::vector<std::string>{"a", "d"}));
  Tensor rows = gather_nd(p, constant({{1}, {0}}));
  EXPECT_EQ(rows.shape(), Shape({2, 2}));
  EXPECT_EQ(rows.to_vector<std::string>(), (std::vector<std::string>{"c", "d", "a", "b"}));
  Tensor p3 = constant({{{"a0", "b0"}, {"c0", "d0"}}, {{"a1", "b1"}, {"c1", "d1"}}});
  Tensor batched = gather_nd(p3, constant({{1}, {0}}), /*batch_dims=*/1);
  EXPECT_EQ(batched.shape(), Shape({2, 2}));
  EXPECT_EQ(batched.to_vector<std::string>(), (std::vector<std::string>{"c0", "d0", "a1", "b1"}));
  Tensor nums = iota({2, 3});
  Tensor v = gather_nd(nums, constant({{{1, 2}}, {{0, 1}}}));
  EXPECT_EQ(v.shape(), Shape({2, 1}));
  expect_values(v, {5, 1});
}

TEST(GatherNd, ErrorsAndGradient) {
  Tensor nums = iota({2, 3});
  expect_error<ValueError>(
      [&] {
        gather_nd(nums, constant({{0, 0}, {1, 7}}));
      },
      "gather_nd: index [1, 7] at indices position 1 is out of range for "
      "params shape [2,3] (expected 0 <= index[1] < 3)");
  expect_error<ValueError>(
      [&] {
        gather_nd(nums, constant({{0, 0, 0}}));
      },
      "gather_nd: index tuples of length 3 do not fit params shape [2,3]");
  expect_error<ValueError>([&] { gather_nd(nums, constant(0)); }, "indices must have rank >= 1");
  {
    Tensor x = sample({2, 3});
    GradientTape tape;
    tape.watch(x);
    Tensor y = reduce_sum(gather_nd(x, constant({{1, 2}, {1, 2}, {0, 0}})));
    expect_values(*tape.gradient(y, x), {1, 0, 0, 0, 0, 2});
  }
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(gather_nd(in[0], constant({{1}, {0}, {1}})));
      },
      {sample({2, 3})});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return gather_nd(in[0], constant({{1}, {0}}), /*batch_dims=*/1);
      },
      {sample({2, 2, 2})});
}

// ---- boolean_mask ----

TEST(BooleanMask, Values) {
  Tensor a = boolean_mask(constant({0, 1, 2, 3}), constant({true, false, true, false}));
  EXPECT_EQ(a.to_vector<int>(), (std::vector<int>{0, 2}));
  Tensor m = constant({{1, 2}, {3, 4}, {5, 6}});
  Tensor rows = boolean_mask(m, constant({true, false, true}));
  EXPECT_EQ(rows.shape(), Shape({2, 2}));
  expect_values(rows, {1, 2, 5, 6});
  Tensor all = boolean_mask(m, constant({{true, false}, {false, true}, {true, true}}));
  EXPECT_EQ(all.shape(), Shape({4}));
  expect_values(all, {1, 4, 5, 6});
  Tensor cols = boolean_mask(m, constant({false, true}), /*axis=*/1);
  EXPECT_EQ(cols.shape(), Shape({3, 1}));
  expect_values(cols, {2, 4, 6});
  Tensor none = boolean_mask(m, constant({false, false, false}));
  EXPECT_EQ(none.shape(), Shape({0, 2}));
  EXPECT_EQ(boolean_mask(constant({"x", "y"}), constant({false, true})).to_vector<std::string>(),
            std::vector<std::string>{"y"});
}

TEST(BooleanMask, ErrorsAndGradient) {
  Tensor m = iota({3, 2});
  expect_error<TypeError>(
      [&] {
        boolean_mask(m, constant({1, 0, 1}));
      },
      "boolean_mask: expected mask of dtype bool, received int32");
  expect_error<ShapeError>(
      [&] {
        boolean_mask(m, constant({true, false}));
      },
      "boolean_mask: mask shape [2] must match tensor shape [3,2] in "
      "dimensions [0, 1)");
  expect_error<ValueError>([&] { boolean_mask(m, constant(true)); }, "mask cannot be a scalar");
  expect_error<ValueError>([&] { boolean_mask(m, constant({true}), 2); },
                           "boolean_mask: axis 2 with a mask of rank 1 does not fit a tensor of "
                           "rank 2");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(boolean_mask(in[0], constant({true, false, true})));
      },
      {sample({3, 2})});
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return boolean_mask(in[0], constant({{true, false}, {true, true}}), 1);
      },
      {sample({2, 2, 2})});
}

// ---- scatter ----

TEST(ScatterNd, TensorFlowDocExampleAndDuplicates) {
  Tensor a = scatter_nd(constant({{4}, {3}, {1}, {7}}), constant({9, 10, 11, 12}), {8});
  EXPECT_EQ(a.to_vector<int>(), (std::vector<int>{0, 11, 0, 10, 9, 0, 0, 12}));
  Tensor dup = scatter_nd(constant({{1}, {1}, {0}}), constant({1.0, 2.0, 4.0}), {3});
  expect_values(dup, {4, 3, 0});
  Tensor slices = scatter_nd(constant({{0}, {2}}), constant({{5, 5}, {6, 7}}), {3, 2});
  EXPECT_EQ(slices.to_vector<int>(), (std::vector<int>{5, 5, 0, 0, 6, 7}));
  Tensor elems = scatter_nd(constant({{0, 1}, {1, 0}}), constant({1.5, 2.5}), {2, 2});
  expect_values(elems, {0, 1.5, 2.5, 0});
}

TEST(ScatterNd, ErrorsAndGradient) {
  expect_error<ValueError>(
      [&] {
        scatter_nd(constant({{1}, {4}}), constant({1, 2}), {4});
      },
      "scatter_nd: index [4] at indices position 1 is out of range for "
      "output shape [4] (expected 0 <= index[0] < 4)");
  expect_error<ShapeError>(
      [&] {
        scatter_nd(constant({{1}, {2}}), constant({1, 2, 3}), {4});
      },
      "scatter_nd: expected updates of shape [2] (indices.shape[:-1] + "
      "shape[k:] for shape [4]), received [3]");
  expect_error<TypeError>([&] { scatter_nd(constant({{1}}), constant({"a"}), {4}); },
                          "scatter_nd: expected a numeric tensor, received dtype string");
  check_gradients(
      [](const std::vector<Tensor>& in) {
        return square(scatter_nd(constant({{1}, {0}, {1}}), in[0], {3, 2}));
      },
      {sample({3, 2})});
}

TEST(TensorScatterNdUpdate, Values) {
  Tensor t = constant({1, 2, 3, 4, 5, 6, 7, 8});
  Tensor y = tensor_scatter_nd_update(t, constant({{4}, {3}, {1}, {7}}), constant({9, 10, 11, 12}));
  EXPECT_EQ(y.to_vector<int>(), (std::vector<int>{1, 11, 3, 10, 9, 6, 7, 12}));
  EXPECT_EQ(t.to_vector<int>(), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8})) << "input unchanged";
  Tensor m =
      tensor_scatter_nd_update(iota({3, 2}), constant({{1}}), constant({{-1.0, -2.0}}, float64));
  expect_values(m, {0, 1, -1, -2, 4, 5});
  Tensor s = tensor_scatter_nd_update(constant({"a", "b"}), constant({{1}}), constant({"z"}));
  EXPECT_EQ(s.to_vector<std::string>(), (std::vector<std::string>{"a", "z"}));
  Tensor add = tensor_scatter_nd_add(constant({1.0, 1.0, 1.0}), constant({{0}, {0}, {2}}),
                                     constant({1.0, 2.0, 5.0}));
  expect_values(add, {4, 1, 6});
}

TEST(TensorScatterNdUpdate, Errors) {
  Tensor t = iota({4});
  expect_error<TypeError>(
      [&] { tensor_scatter_nd_update(t, constant({{1}}), constant({1.0f})); },
      "tensor_scatter_nd_update: expected updates of dtype float64 like tensor, received float32");
  expect_error<ShapeError>(
      [&] {
        tensor_scatter_nd_update(t, constant({{1}}), constant({1.0, 2.0}, float64));
      },
      "tensor_scatter_nd_update: expected updates of shape [1]");
  expect_error<ValueError>(
      [&] { tensor_scatter_nd_update(t, constant({{9}}), constant({1.0}, float64)); },
      "tensor_scatter_nd_update: index [9] at indices position 0 is out of range for tensor shape "
      "[4]");
}

TEST(TensorScatterNdUpdate, Gradients) {
  Tensor t = sample({4, 2});
  Tensor u = sample({2, 2}) * 3.0;
  Tensor idx = constant({{3}, {1}});
  {
    GradientTape tape;
    tape.watch(t);
    tape.watch(u);
    Tensor y = reduce_sum(tensor_scatter_nd_update(t, idx, u) * 2.0);
    auto g = tape.gradient(y, {t, u});
    expect_values(*g[0], {2, 2, 0, 0, 2, 2, 0, 0});  // overwritten rows get no gradient
    expect_values(*g[1], {2, 2, 2, 2});
  }
  check_gradients(
      [&](const std::vector<Tensor>& in) {
        return square(tensor_scatter_nd_update(in[0], idx, in[1]));
      },
      {t, u});
  check_gradients(
      [&](const std::vector<Tensor>& in) {
        return square(tensor_scatter_nd_add(in[0], constant({{1}, {1}}), in[1]));
      },
      {t, u});
}

TEST(Gather, LargeInputsTakeTheParallelPath) {
  // 4096 x 16 elements is above the OpenMP threshold.
  Tensor params = iota({4096, 16});
  Tensor backwards = range(4095, -1, -1, int64);
  std::vector<double> g = gather(params, backwards).to_vector<double>();
  std::vector<double> s = params["::-1, 1:"].to_vector<double>();
  std::vector<double> sc =
      scatter_nd(reshape(backwards, {-1, 1}), params, {4096, 16}).to_vector<double>();
  for (int64_t i = 0; i < 4096; ++i) {
    for (int64_t k = 0; k < 16; ++k) {
      ASSERT_EQ(g[i * 16 + k], (4095 - i) * 16 + k);
      ASSERT_EQ(sc[i * 16 + k], (4095 - i) * 16 + k);
      if (k > 0) {
        ASSERT_EQ(s[i * 15 + k - 1], (4095 - i) * 16 + k);
      }
    }
  }
}

}  // namespace
}  // namespace tandem
