#include "tandem/autodiff/gradient_tape.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>

#include "tandem/core/allocator.h"
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
  std::vector<Variable> sources{a, b, c, unused};
  std::vector<size_t> order;
  std::vector<int> fired(4, 0);
  GradientOptions opts;
  opts.on_gradient_ready = [&](const Tensor& source, const std::optional<Tensor>& g) {
    size_t k = 0;
    while (k < sources.size() && sources[k].id() != source.id()) ++k;
    ASSERT_LT(k, sources.size()) << "the hook named a tensor that is not a source";
    ++fired[k];
    order.push_back(k);
    if (k == 3)
      EXPECT_FALSE(g.has_value());
    else
      EXPECT_TRUE(g.has_value());
  };
  auto grads = tape.gradient(loss, sources, opts);
  EXPECT_EQ(fired, (std::vector<int>{1, 1, 1, 1}));
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], 2u);
  EXPECT_EQ(order[1], 1u);
  EXPECT_EQ(order[2], 0u);
  expect_values(*grads[0], {30, 48});  // 2 * b * c
}

// The hook names the variable whose gradient is ready, so the sources' order does not matter: each
// variable receives its own gradient whichever position it has, and a repeated source fires once.
TEST(GradientTape, GradientReadyHookIsKeyedByVariable) {
  Variable a(constant({1.0, 2.0}, float64), {.name = "a"});
  Variable b(constant({3.0, 4.0}, float64), {.name = "b"});
  for (const std::vector<Variable>& sources :
       {std::vector<Variable>{a, b}, std::vector<Variable>{b, a}, std::vector<Variable>{b, a, b}}) {
    GradientTape tape;
    Tensor loss = reduce_sum(a * 2.0 + b * b);
    std::map<uint64_t, std::vector<double>> by_variable;
    std::map<uint64_t, int> calls;
    GradientOptions opts;
    opts.on_gradient_ready = [&](const Tensor& source, const std::optional<Tensor>& g) {
      ASSERT_TRUE(g.has_value());
      ++calls[source.id()];
      by_variable[source.id()] = g->to_vector<double>();
    };
    tape.gradient(loss, sources, opts);
    EXPECT_EQ(calls[a.id()], 1);
    EXPECT_EQ(calls[b.id()], 1);
    EXPECT_EQ(by_variable[a.id()], (std::vector<double>{2, 2}));
    EXPECT_EQ(by_variable[b.id()], (std::vector<double>{6, 8}));
  }
}

// ---- a lean tape: each op keeps only what its gradient reads, and backward frees as it goes ----

// An op applied to an intermediate h = 2w, whether its gradient needs h itself, and the gradient of
// sum(op(h, w)) with respect to w.
struct LeanCase {
  const char* name;
  std::function<Tensor(const Tensor& h, const Tensor& w)> op;
  bool keeps_h;
  std::function<double(double w)> grad;
};

TEST(GradientTape, RecordedOpsKeepOnlyWhatTheirGradientReads) {
  const std::vector<LeanCase> cases = {
      {"add", [](const Tensor& h, const Tensor& w) { return add(h, w); }, false,
       [](double) { return 3.0; }},
      {"subtract", [](const Tensor& h, const Tensor& w) { return subtract(h, w); }, false,
       [](double) { return 1.0; }},
      {"relu (reads its output)", [](const Tensor& h, const Tensor&) { return relu(h); }, false,
       [](double) { return 2.0; }},
      {"exp (reads its output)", [](const Tensor& h, const Tensor&) { return exp(h); }, false,
       [](double w) { return 2 * std::exp(2 * w); }},
      {"reduce_sum", [](const Tensor& h, const Tensor&) { return reduce_sum(h); }, false,
       [](double) { return 2.0; }},
      {"cast", [](const Tensor& h, const Tensor&) { return cast(h, float32); }, false,
       [](double) { return 2.0; }},
      {"multiply", [](const Tensor& h, const Tensor& w) { return multiply(h, w); }, true,
       [](double w) { return 4 * w; }},
      {"log", [](const Tensor& h, const Tensor&) { return log(h); }, true,
       [](double w) { return 1 / w; }},
      {"matmul",
       [](const Tensor& h, const Tensor& w) { return matmul(h, w, {.transpose_b = true}); }, true,
       [](double w) { return 4 * w; }},
  };
  for (const LeanCase& c : cases) {
    SCOPED_TRACE(c.name);
    Variable w(constant(std::vector<double>{0.5, 1.0, 1.5, 2.0}, Shape{1, 4}), {.name = "w"});
    GradientTape tape;
    std::weak_ptr<Storage> h_storage;
    Tensor out;
    {
      Tensor h = w * 2.0;  // multiply keeps w and the scalar, not its output
      h_storage = h.storage();
      out = c.op(h, w.value());
    }
    EXPECT_EQ(h_storage.expired(), !c.keeps_h)
        << (c.keeps_h
                ? "the op's gradient needs h, yet nothing kept it"
                : "the recorded closure keeps h alive although its gradient does not read it");
    auto g = tape.gradient(reduce_sum(out), std::vector<Variable>{w});
    ASSERT_TRUE(g[0].has_value());
    std::vector<double> got = g[0]->to_vector<double>();
    std::vector<double> ws = w.value().to_vector<double>();
    for (size_t i = 0; i < ws.size(); ++i) EXPECT_NEAR(got[i], c.grad(ws[i]), 1e-9) << i;
  }
}

// A chain of kLength sigmoids (each keeps only its output) on a watched x, with a probe at its
// start whose gradient function reads the allocator's bytes in use: when backward reaches the
// probe, a non-persistent tape has already freed every later node's saved output and every gradient
// it consumed, so only a few tensors of the chain's size remain.
int64_t bytes_in_use_when_backward_reaches_the_start(bool persistent, int64_t* chain_bytes) {
  constexpr int kLength = 16;
  constexpr int64_t kElements = 1 << 15;  // 128 KiB of float32 per intermediate
  *chain_bytes = kLength * kElements * int64_t(sizeof(float));
  Tensor x = fill(Shape{kElements}, 0.25, float32);
  int64_t at_start = -1;
  auto probe = custom_gradient([&at_start](const std::vector<Tensor>& in) {
    return CustomGradientResult{in[0], [&at_start](const Tensor& dy) {
                                  at_start = cpu_allocator::stats().bytes_in_use;
                                  return std::vector<Tensor>{dy};
                                }};
  });
  const int64_t before = cpu_allocator::stats().bytes_in_use;
  GradientTape tape(persistent);
  tape.watch(x);
  Tensor h = probe({x});
  for (int i = 0; i < kLength; ++i) h = sigmoid(h);
  Tensor loss = reduce_sum(h);
  h = Tensor();  // only the tape holds the chain now
  auto g = tape.gradient(loss, x);
  EXPECT_TRUE(g.has_value());
  EXPECT_GE(at_start, 0) << "the probe's gradient did not run";
  return at_start - before;
}

TEST(GradientTape, NonPersistentTapeFreesSavedTensorsAndGradientsDuringBackward) {
  int64_t chain_bytes = 0;
  const int64_t persistent = bytes_in_use_when_backward_reaches_the_start(true, &chain_bytes);
  const int64_t lean = bytes_in_use_when_backward_reaches_the_start(false, &chain_bytes);
  // The persistent tape must keep the whole chain (it can be asked again): this is what the
  // measurement sees when nothing is freed during the pass.
  EXPECT_GE(persistent, chain_bytes);
  EXPECT_LT(lean, chain_bytes / 4)
      << "saved tensors or gradients of nodes that already ran were still held";
}

TEST(GradientTape, SecondDerivativesThroughOutputReadingGradients) {
  // exp, sigmoid and tanh read their output in backward; a released inner tape must still give the
  // outer one what it recorded.
  Tensor x = constant(0.3, float64);
  GradientTape outer;
  outer.watch(x);
  Tensor d;
  {
    GradientTape inner;
    inner.watch(x);
    Tensor y = exp(x) + sigmoid(x) + tanh(x) + relu(x) * x;
    d = *inner.gradient(y, x);
  }
  const double e = std::exp(0.3), s = 1 / (1 + std::exp(-0.3)), t = std::tanh(0.3);
  EXPECT_NEAR(d.item<double>(), e + s * (1 - s) + (1 - t * t) + 2 * 0.3, 1e-12);
  EXPECT_NEAR(outer.gradient(d, x)->item<double>(),
              e + s * (1 - s) * (1 - 2 * s) - 2 * t * (1 - t * t) + 2, 1e-12);
}

TEST(GradientTape, NonPersistentJacobianAndUnconnectedZeros) {
  Tensor x = constant({1.0, 2.0, 3.0}, float64);
  Tensor unrelated = constant({7.0}, float64);
  {
    GradientTape tape;
    tape.watch(x);
    Tensor y = exp(x) * 2.0;
    expect_values(tape.jacobian(y, x),
                  {2 * std::exp(1.0), 0, 0, 0, 2 * std::exp(2.0), 0, 0, 0, 2 * std::exp(3.0)});
  }
  GradientTape tape;
  tape.watch({x, unrelated});
  Tensor loss = reduce_sum(sigmoid(x));
  auto g = tape.gradient(loss, {unrelated, x}, {.unconnected_gradients_zero = true});
  ASSERT_TRUE(g[0].has_value() && g[1].has_value());
  expect_values(*g[0], {0});
  const double s = 1 / (1 + std::exp(-1.0));
  EXPECT_NEAR(g[1]->to_vector<double>()[0], s * (1 - s), 1e-12);
}

// Records y = a + b as one op whose closure notes which input gradients the pass asked for.
Tensor noting_add(const Tensor& a, const Tensor& b, std::vector<std::vector<bool>>& asked) {
  Tensor y;
  {
    autodiff::PauseAllTapes pause;
    y = a + b;
  }
  autodiff::record_operation(
      "noting_add", {a, b}, {y}, [&asked](const std::vector<Tensor>& d) -> autodiff::GradList {
        asked.push_back({autodiff::input_gradient_needed(0), autodiff::input_gradient_needed(1)});
        return {autodiff::gradient_if_needed(0, [&] { return d[0]; }),
                autodiff::gradient_if_needed(1, [&] { return d[0]; })};
      });
  return y;
}

TEST(GradientTape, ClosuresLearnWhichInputGradientsThePassUses) {
  EXPECT_TRUE(autodiff::input_gradient_needed(0)) << "outside a backward pass";
  Tensor a = constant({1.0}, float64), b = constant({2.0}, float64);
  std::vector<std::vector<bool>> asked;
  {
    GradientTape tape;
    tape.watch(a);  // b is data: nothing asks for its gradient
    Tensor y = noting_add(a, b, asked) * 3.0;
    expect_values(*tape.gradient(y, a), {3});
  }
  {
    GradientTape tape(/*persistent=*/true);
    tape.watch({a, b});
    Tensor y = noting_add(a, b, asked);
    EXPECT_FALSE(tape.gradient(y, b)->to_vector<double>().empty());
    auto both = tape.gradient(y, std::vector<Tensor>{a, b});
    ASSERT_TRUE(both[0] && both[1]);
    expect_values(*both[0], {1});
    expect_values(*both[1], {1});
  }
  const std::vector<std::vector<bool>> expected = {{true, false}, {false, true}, {true, true}};
  EXPECT_EQ(asked, expected);
  EXPECT_TRUE(autodiff::input_gradient_needed(1)) << "restored after the pass";
}

TEST(GradientTape, VariableReusedAccumulates) {
  Variable w(constant(3.0, float64));
  GradientTape tape;
  Tensor y = w * w + w;
  EXPECT_DOUBLE_EQ(tape.gradient(y, std::vector<Variable>{w})[0]->item<double>(), 7.0);
}

}  // namespace
}  // namespace tandem
