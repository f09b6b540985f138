#include "tandem/autodiff/gradient_tape.h"

#include <gtest/gtest.h>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::expect_values;

TEST(GradientTape, WatchesTrainableVariablesAutomatically) {
  Variable w(constant({1.0, 2.0, 3.0}, float64));
  Variable frozen(constant({1.0, 1.0, 1.0}, float64), {.name = "frozen", .trainable = false});
  GradientTape tape;
  Tensor loss = reduce_sum(square(w) * frozen);
  auto grads = tape.gradient(loss, std::vector<Variable>{w, frozen});
  ASSERT_TRUE(grads[0].has_value());
  expect_values(*grads[0], {2, 4, 6});
  EXPECT_FALSE(grads[1].has_value()) << "non-trainable variables are not watched";
}

TEST(GradientTape, UnconnectedSourceGivesEmptyOptional) {
  Tensor x = constant({1.0, 2.0}, float64);
  Tensor unrelated = constant({5.0}, float64);
  GradientTape tape;
  tape.watch(x);
  tape.watch(unrelated);
  Tensor y = reduce_sum(x * x);
  auto g = tape.gradient(y, {x, unrelated});
  EXPECT_TRUE(g[0].has_value());
  EXPECT_FALSE(g[1].has_value());
}

TEST(GradientTape, SecondCallOnNonPersistentTapeIsAnError) {
  Tensor x = constant(3.0, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * x;
  tape.gradient(y, x);
  try {
    tape.gradient(y, x);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("non-persistent"), std::string::npos) << e.what();
  }
}

TEST(GradientTape, PersistentTapeAnswersTwice) {
  Tensor x = constant(3.0, float64);
  GradientTape tape(/*persistent=*/true);
  tape.watch(x);
  Tensor y = x * x;
  Tensor z = y * y;
  EXPECT_DOUBLE_EQ(tape.gradient(y, x)->item<double>(), 6.0);
  EXPECT_DOUBLE_EQ(tape.gradient(z, x)->item<double>(), 108.0);  // 4 x^3
}

TEST(GradientTape, StopRecordingScope) {
  Tensor x = constant(2.0, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * x;
  Tensor z;
  {
    auto pause = tape.stop_recording();
    z = x * x * x;  // not recorded
  }
  Tensor total = y + z;
  EXPECT_DOUBLE_EQ(tape.gradient(total, x)->item<double>(), 4.0);
}

TEST(GradientTape, StopGradientBlocksFlow) {
  Tensor x = constant(2.0, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * stop_gradient(x);
  EXPECT_DOUBLE_EQ(tape.gradient(y, x)->item<double>(), 2.0);
}

TEST(GradientTape, NestedTapesGiveSecondDerivative) {
  Tensor x = constant(3.0, float64);
  GradientTape outer;
  outer.watch(x);
  Tensor dy;
  {
    GradientTape inner;
    inner.watch(x);
    Tensor y = x * x * x;
    dy = *inner.gradient(y, x);  // 3x^2, recorded on the outer tape
  }
  EXPECT_DOUBLE_EQ(dy.item<double>(), 27.0);
  EXPECT_DOUBLE_EQ(outer.gradient(dy, x)->item<double>(), 18.0);  // 6x
}

TEST(GradientTape, Jacobian) {
  Tensor x = constant({1.0, 2.0}, float64);
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * x;  // diag(2x)
  Tensor j = tape.jacobian(y, x);
  EXPECT_EQ(j.shape(), (Shape{2, 2}));
  expect_values(j, {2, 0, 0, 4});
}

TEST(GradientTape, CustomGradientMakesSoftplusStable) {
  // Naive log(1 + e^x) has gradient e^x / (1 + e^x) = inf / inf = NaN at x = 100.
  Tensor x = constant(100.0, float32);
  {
    GradientTape tape;
    tape.watch(x);
    Tensor e = exp(x);
    Tensor naive = log(1.0 + e);
    Tensor g = *tape.gradient(naive, x);
    EXPECT_TRUE(std::isnan(g.item<float>()))
        << "the naive gradient should be NaN, got " << g.item<float>();
  }
  auto stable = custom_gradient([](const std::vector<Tensor>& in) {
    Tensor v = in[0];
    Tensor e = exp(v);
    Tensor y = log(1.0 + e);
    return CustomGradientResult{
        y, [e](const Tensor& dy) { return std::vector<Tensor>{dy * (1.0 - 1.0 / (1.0 + e))}; }};
  });
  GradientTape tape;
  tape.watch(x);
  Tensor y = stable({x});
  EXPECT_FLOAT_EQ(tape.gradient(y, x)->item<float>(), 1.0f);
}

TEST(GradientTape, GradientReadyHookFiresOncePerSourceInBackwardOrder) {
  Variable a(constant({1.0, 2.0}, float64), {.name = "a"});
  Variable b(constant({3.0, 4.0}, float64), {.name = "b"});
  Variable c(constant({5.0, 6.0}, float64), {.name = "c"});
  Variable unused(constant({0.0}, float64), {.name = "unused"});
  GradientTape tape;
  // Forward order a, b, c: backward reaches c first, then b, then a.
  Tensor h1 = a * 2.0;
  Tensor h2 = h1 * b;
  Tensor h3 = h2 * c;
  Tensor loss = reduce_sum(h3);
  std::vector<size_t> order;
  std::vector<int> fired(4, 0);
  GradientOptions opts;
  opts.on_gradient_ready = [&](size_t k, const std::optional<Tensor>& g) {
    ++fired[k];
    order.push_back(k);
    if (k == 3)
      EXPECT_FALSE(g.has_value());
    else
      EXPECT_TRUE(g.has_value());
  };
  auto grads = tape.gradient(loss, std::vector<Variable>{a, b, c, unused}, opts);
  EXPECT_EQ(fired, (std::vector<int>{1, 1, 1, 1}));
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], 2u);
  EXPECT_EQ(order[1], 1u);
  EXPECT_EQ(order[2], 0u);
  expect_values(*grads[0], {30, 48});  // 2 * b * c
}

TEST(GradientTape, VariableReusedAccumulates) {
  Variable w(constant(3.0, float64));
  GradientTape tape;
  Tensor y = w * w + w;
  EXPECT_DOUBLE_EQ(tape.gradient(y, std::vector<Variable>{w})[0]->item<double>(), 7.0);
}

}  // namespace
}  // namespace tandem
