#include "tandem/core/variable.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_values;

TEST(Variable, ConstructionNameAndTrainable) {
  Variable v(constant({{1.0, 2.0}, {3.0, 4.0}}));
  EXPECT_TRUE(v.defined());
  EXPECT_EQ(v.name(), "Variable");
  EXPECT_TRUE(v.trainable());
  EXPECT_EQ(v.shape(), Shape({2, 2}));
  EXPECT_EQ(v.dtype(), float32);
  expect_values(v.value(), {1, 2, 3, 4});

  Variable named(constant({1, 2}), {.name = "counter", .trainable = false});
  EXPECT_EQ(named.name(), "counter");
  EXPECT_FALSE(named.trainable());
  EXPECT_EQ(named.dtype(), int32);
  named.set_trainable(true);
  EXPECT_TRUE(named.trainable());

  Variable cast_on_init(constant({1, 2}), {.dtype = float64});
  EXPECT_EQ(cast_on_init.dtype(), float64);
  expect_values(cast_on_init.value(), {1, 2});

  EXPECT_FALSE(Variable().defined());
  EXPECT_FALSE(Variable().trainable());
  expect_error<ValueError>([] { Variable().value(); }, "operation on an undefined Variable");
  expect_error<ValueError>([] { Variable bad{Tensor{}}; },
                           "Variable: initial_value is an undefined");
}

TEST(Variable, DoesNotAliasItsInitialValue) {
  Tensor init = constant({1.0, 2.0});
  Variable v(init);
  EXPECT_NE(v.value().storage(), init.storage());
  v.assign(constant({5.0f, 6.0f}));
  expect_values(init, {1, 2});
}

TEST(Variable, IdentityAndValueIds) {
  Variable a(constant(1.0)), b(constant(1.0));
  Variable a2 = a;
  EXPECT_TRUE(a == a2);
  EXPECT_FALSE(a == b);
  EXPECT_NE(a.id(), b.id());
  EXPECT_EQ(a.value().id(), a.id()) << "reads carry the variable's id for GradientTape";
  a.assign(constant(3.0f));
  EXPECT_EQ(a.value().id(), a.id());
  EXPECT_FLOAT_EQ(a2.value().item<float>(), 3.0f) << "copies share the variable";
}

TEST(Variable, AssignAddSub) {
  Variable v(constant({1.0, 2.0, 3.0}, float64));
  v.assign(constant({4.0, 5.0, 6.0}, float64));
  expect_values(v.value(), {4, 5, 6});
  v.assign_add(constant({1.0, 1.0, 0.5}, float64));
  expect_values(v.value(), {5, 6, 6.5});
  v.assign_sub(constant({5.0, 2.0, 0.5}, float64));
  expect_values(v.value(), {0, 4, 6});

  Variable counter(constant(0), {.name = "step"});
  for (int i = 0; i < 3; ++i) counter.assign_add(constant(2));
  EXPECT_EQ(counter.value().item<int>(), 6);
}

TEST(Variable, AssignErrors) {
  Variable v(constant({1.0, 2.0}), {.name = "w"});
  expect_error<ShapeError>(
      [&] {
        v.assign(constant({1.0, 2.0, 3.0}));
      },
      "assign: variable 'w' has shape [2], received a value of shape [3]");
  expect_error<TypeError>(
      [&] {
        v.assign(constant({1, 2}));
      },
      "assign: variable 'w' has dtype float32, received a value of dtype int32");
  expect_error<ShapeError>(
      [&] {
        v.assign_add(constant({{1.0, 2.0}}));
      },
      "assign_add: variable 'w' has shape [2], received a value of shape [1,2]");
  expect_error<TypeError>(
      [&] {
        v.assign_sub(constant({1.0, 2.0}, float64));
      },
      "assign_sub: variable 'w' has dtype float32, received a value of dtype "
      "float64");
  expect_error<ValueError>([&] { v.assign(Tensor()); }, "assign: value is an undefined Tensor");
  expect_values(v.value(), {1, 2});  // failed updates leave the value alone
}

TEST(Variable, ScatterNdUpdate) {
  Variable v(constant({1, 2, 3, 4, 5, 6, 7, 8}), {.name = "table"});
  v.scatter_nd_update(constant({{4}, {3}, {1}, {7}}), constant({9, 10, 11, 12}));
  EXPECT_EQ(v.value().to_vector<int>(), (std::vector<int>{1, 11, 3, 10, 9, 6, 7, 12}));

  Variable m(constant({{0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}}));
  m.scatter_nd_update(constant({{2}, {0}}), constant({{1.0, 2.0}, {3.0, 4.0}}));
  expect_values(m.value(), {3, 4, 0, 0, 1, 2});
  m.scatter_nd_update(constant({{1, 1}}), constant({9.0}));
  expect_values(m.value(), {3, 4, 0, 9, 1, 2});

  expect_error<ValueError>([&] { v.scatter_nd_update(constant({{8}}), constant({1})); },
                           "index [8] at indices position 0 is out of range for tensor shape [8]");
  expect_error<ShapeError>(
      [&] {
        v.scatter_nd_update(constant({{0}}), constant({1, 2}));
      },
      "expected updates of shape [1]");
}

TEST(Variable, CopyOnWriteKeepsEarlierReads) {
  Variable v(constant({1.0, 2.0, 3.0}, float64));
  Tensor before = v.value();
  Tensor row_view = v.value()["1:"];  // a view into the variable's storage
  v.assign(constant({7.0, 8.0, 9.0}, float64));
  expect_values(before, {1, 2, 3});
  expect_values(row_view, {2, 3});
  expect_values(v.value(), {7, 8, 9});

  Tensor mid = v.value();
  v.assign_add(constant({1.0, 1.0, 1.0}, float64));
  v.assign_sub(constant({0.5, 0.5, 0.5}, float64));
  v.scatter_nd_update(constant({{0}}), constant({0.0}, float64));
  expect_values(mid, {7, 8, 9});
  expect_values(v.value(), {0, 8.5, 9.5});
}

TEST(Variable, UnsharedValueIsUpdatedInPlace) {
  Variable v(constant({1.0, 2.0}));
  const void* before = v.value().raw_data();
  v.assign_add(constant({1.0f, 1.0f}));
  EXPECT_EQ(v.value().raw_data(), before) << "nobody else holds the value: no copy";
  expect_values(v.value(), {2, 3});
}

TEST(Variable, GradientFlowsToVariable) {
  Variable w(constant({1.0, 2.0, 3.0}, float64), {.name = "w"});
  GradientTape tape;
  Tensor loss = reduce_sum(square(w.value()["::2"]));
  auto g = tape.gradient(loss, std::vector<Variable>{w});
  ASSERT_TRUE(g[0].has_value());
  expect_values(*g[0], {2, 0, 6});
}

TEST(Variable, ToString) {
  Variable v(constant({1.0, 2.0}), {.name = "bias"});
  EXPECT_EQ(
      v.to_string(),
      "<tf.Variable 'bias:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>");
  // TensorFlow's repr: numpy's repr of the value (expected strings from numpy 1.24).
  Variable w(constant({{1.0f, 2.0f}, {3.0f, 4.0f}}), {.name = "w"});
  std::ostringstream out;
  out << w;
  EXPECT_EQ(out.str(),
            "<tf.Variable 'w:0' shape=(2, 2) dtype=float32, numpy=\n"
            "array([[1., 2.],\n"
            "       [3., 4.]], dtype=float32)>");
  EXPECT_EQ(Variable(constant(1.0f)).to_string(),
            "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>");
}

TEST(Variable, NumpyRepr) {
  EXPECT_EQ(cast(range(30), float32).numpy_repr(),
            "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,\n"
            "       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,\n"
            "       26., 27., 28., 29.], dtype=float32)");
  EXPECT_EQ(constant({1.5, 2.0}, float64).numpy_repr(), "array([1.5, 2. ])");
  EXPECT_EQ(constant({true, false}).numpy_repr(), "array([ True, False])");
  EXPECT_EQ(reshape(range(24), Shape{2, 3, 4}).numpy_repr(),
            "array([[[ 0,  1,  2,  3],\n"
            "        [ 4,  5,  6,  7],\n"
            "        [ 8,  9, 10, 11]],\n"
            "\n"
            "       [[12, 13, 14, 15],\n"
            "        [16, 17, 18, 19],\n"
            "        [20, 21, 22, 23]]], dtype=int32)");
  EXPECT_EQ(zeros(Shape{0, 2}).numpy_repr(), "array([], shape=(0, 2), dtype=float32)");
  EXPECT_EQ(cast(range(2000), float32).numpy_repr(),
            "array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n"
            "       1.999e+03], dtype=float32)");
}

// tf.Variable's sliced assign: v[0, 1].assign(x), v[:, 2].assign(column).
TEST(Variable, SlicedAssign) {
  Variable v(zeros(Shape{2, 3}), {.name = "v"});
  Tensor before = v.value();
  Variable same = v[{0, 1}].assign(constant(5.0f));
  EXPECT_TRUE(same == v);
  expect_values(v, {0, 5, 0, 0, 0, 0});
  v[{Slice(), 2}].assign(constant({7.0f, 8.0f}));
  expect_values(v, {0, 5, 7, 0, 0, 8});
  v["1, :2"].assign(constant({1.0f, 2.0f}));
  expect_values(v, {0, 5, 7, 1, 2, 8});
  v[0].assign(constant(-1.0f));  // a scalar broadcasts over the row
  expect_values(v, {-1, -1, -1, 1, 2, 8});
  v[{Slice(), Slice(None, None, 2)}].assign(constant({{3.0f, 4.0f}, {5.0f, 6.0f}}));
  expect_values(v, {3, -1, 4, 5, 2, 6});
  expect_values(v[{Slice(), 0}], {3, 5});     // reading a slice
  expect_values(before, {0, 0, 0, 0, 0, 0});  // earlier reads keep their values
  expect_error<ShapeError>(
      [&] {
        v[{Slice(), 2}].assign(constant({1.0f, 2.0f, 3.0f}));
      },
      "the slice of variable 'v' has shape [2], received a value of shape [3]");
  expect_error<TypeError>(
      [&] {
        v[{0, 0}].assign(constant(1));
      },
      "variable 'v' has dtype float32, received a value of dtype int32");
}

}  // namespace
}  // namespace tandem
