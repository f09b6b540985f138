// The fused optimizer update as an op: which variables it takes, the update it makes, and the
// errors for lists that do not fit together.
#include "tandem/ops/training_ops.h"

#include <gtest/gtest.h>

#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_values;

TEST(ApplyUpdate, WhichVariablesItTakes) {
  Variable a(constant({1.0f, 2.0f}), {.name = "a"});
  Variable b(constant({3.0f}), {.name = "b"});
  Variable d(constant({3.0}, float64), {.name = "d"});
  Variable h(constant({1.0}, float16), {.name = "h"});
  EXPECT_TRUE(ops::can_apply_update({a, b}, {a.value(), b.value()}));
  EXPECT_TRUE(ops::can_apply_update({d}, {d.value()}));
  EXPECT_FALSE(ops::can_apply_update({h}, {h.value()}));                // no float16 kernel
  EXPECT_FALSE(ops::can_apply_update({a, d}, {a.value(), d.value()}));  // one dtype per call
  EXPECT_FALSE(ops::can_apply_update({a, a}, {a.value(), a.value()}));  // listed twice
  EXPECT_FALSE(ops::can_apply_update({a}, {}));
  EXPECT_FALSE(ops::can_apply_update({}, {}));
}

TEST(ApplyUpdate, SGDWithMomentumInPlace) {
  Variable w(constant({1.0f, -2.0f}), {.name = "w"});
  Variable m(constant({0.5f, 0.0f}), {.name = "m/w"});
  Tensor before = w.value();  // a reader of the old value keeps it (copy-on-write)
  kernels::OptimizerUpdate u{.rule = kernels::UpdateRule::kSGD, .lr = 0.1, .momentum = 0.9};
  ops::apply_update(u, {w}, {constant({1.0f, 2.0f})}, {{m}});
  // m = 0.9 m - 0.1 g; w += m.
  expect_values(m.value(), {0.35, -0.2});
  expect_values(w.value(), {1.35, -2.2});
  expect_values(before, {1.0, -2.0});
}

TEST(ApplyUpdate, BadInput) {
  Variable w(constant({1.0f, 2.0f}), {.name = "w"});
  Variable m(constant({0.0f, 0.0f}), {.name = "m/w"});
  Variable small(constant({0.0f}), {.name = "m/small"});
  kernels::OptimizerUpdate sgd{.rule = kernels::UpdateRule::kSGD, .lr = 0.1, .momentum = 0.9};
  expect_error<ValueError>(
      [&] { ops::apply_update(sgd, {w}, {}, {{m}}); },
      "expected as many gradients and slot lists as variables (1), received 0");
  expect_error<ValueError>([&] { ops::apply_update(sgd, {w}, {constant({1.0f})}, {{m}}); },
                           "the gradient of variable 'w' has shape [1], expected [2]");
  expect_error<TypeError>(
      [&] {
        ops::apply_update(sgd, {w}, {constant({1.0, 2.0}, float64)}, {{m}});
      },
      "the gradient of variable 'w' has dtype float64, expected float32");
  expect_error<ValueError>([&] { ops::apply_update(sgd, {w}, {w.value()}, {{}}); },
                           "variable 'w' has 0 slots, the update rule takes 1");
  expect_error<ValueError>([&] { ops::apply_update(sgd, {w}, {w.value()}, {{small}}); },
                           "the slot of variable 'w' has shape [1], expected [2]");
  expect_error<ValueError>(
      [&] {
        ops::apply_update(sgd, {w, w}, {w.value(), w.value()}, {{m}, {m}});
      },
      "a variable was listed twice");
  kernels::OptimizerUpdate adam{.rule = kernels::UpdateRule::kAdam};
  Variable h(constant({1.0}, float16), {.name = "h"});
  Variable hm(constant({0.0}, float16), {.name = "m/h"});
  Variable hv(constant({0.0}, float16), {.name = "v/h"});
  expect_error<TypeError>(
      [&] {
        ops::apply_update(adam, {h}, {h.value()}, {{hm, hv}});
      },
      "the fused optimizer update takes float32 or float64, received float16");
  expect_values(w.value(), {1.0, 2.0});  // nothing was written
}

}  // namespace
}  // namespace tandem
