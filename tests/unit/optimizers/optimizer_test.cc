// The Optimizer base: gradient filtering and checks, clipping, weight decay, iterations, learning
// rates and schedules, no tape recording.
#include "tandem/optimizers/optimizer.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/reduction.h"
#include "tandem/optimizers/adam.h"
#include "tandem/optimizers/sgd.h"

namespace tandem {
namespace {

using optimizers::SGD;
using testing::expect_error;
using testing::expect_values;

TEST(Optimizer, IterationsCountSteps) {
  SGD sgd({.learning_rate = 0.5});
  EXPECT_EQ(sgd.iterations().name(), "iteration");
  EXPECT_EQ(sgd.iterations().dtype(), int64);
  EXPECT_EQ(sgd.iterations().value().item<int64_t>(), 0);
  Variable w(constant({1.0f, 2.0f}), {.name = "w"});
  for (int i = 0; i < 3; ++i) sgd.apply_gradients({constant({1.0f, -1.0f})}, {w});
  EXPECT_EQ(sgd.iterations().value().item<int64_t>(), 3);
  expect_values(w.value(), {-0.5, 3.5});
}

TEST(Optimizer, SkipsMissingGradients) {
  SGD sgd({.learning_rate = 1.0});
  Variable a(constant({1.0f}), {.name = "a"});
  Variable b(constant({1.0f}), {.name = "b"});
  sgd.apply_gradients({{std::nullopt, a}, {constant({0.25f}), b}});
  expect_values(a.value(), {1.0});
  expect_values(b.value(), {0.75});
}

TEST(Optimizer, BadInput) {
  SGD sgd;
  Variable a(constant({1.0f}), {.name = "dense/kernel"});
  Variable b(constant({1.0f, 2.0f}), {.name = "dense/bias"});
  expect_error<ValueError>(
      [&] {
        sgd.apply_gradients({{std::nullopt, a}, {std::nullopt, b}});
      },
      "No gradients provided for any variable: [dense/kernel, dense/bias]");
  expect_error<ValueError>(
      [&] {
        sgd.apply_gradients({{constant({1.0f}), b}});
      },
      "gradient for variable 'dense/bias' has shape [1], expected the "
      "variable's shape [2]");
  expect_error<ValueError>(
      [&] {
        sgd.apply_gradients({{constant({1.0}, float64), a}});
      },
      "gradient for variable 'dense/kernel' has dtype float64");
  expect_error<ValueError>(
      [&] {
        sgd.apply_gradients({constant({1.0f})}, {a, b});
      },
      "received 1 gradients for 2 variables");
  EXPECT_EQ(sgd.iterations().value().item<int64_t>(), 0);  // nothing was applied
  expect_error<ValueError>([] { SGD({.clipnorm = 1.0, .global_clipnorm = 1.0}); },
                           "At most one of `clipnorm` and `global_clipnorm`");
}

TEST(Optimizer, ClipNormPerGradient) {
  SGD sgd({.learning_rate = 1.0, .clipnorm = 1.0});
  Variable a(constant({0.0f, 0.0f}), {.name = "a"});
  Variable b(constant({0.0f, 0.0f}), {.name = "b"});
  // |(3, 4)| = 5 is scaled to 1; |(0.3, 0.4)| = 0.5 is left alone.
  sgd.apply_gradients({{constant({3.0f, 4.0f}), a}, {constant({0.3f, 0.4f}), b}});
  expect_values(a.value(), {-0.6, -0.8});
  expect_values(b.value(), {-0.3, -0.4});
}

TEST(Optimizer, GlobalClipNorm) {
  SGD sgd({.learning_rate = 1.0, .global_clipnorm = 2.0});
  Variable a(constant({0.0f, 0.0f}), {.name = "a"});
  Variable b(constant({0.0}, float64), {.name = "b"});  // float64: the norm spans dtypes
  // Global norm sqrt(9 + 16 + 144) = 13 -> every gradient scaled by 2/13.
  sgd.apply_gradients({{constant({3.0f, 4.0f}), a}, {constant({12.0}, float64), b}});
  expect_values(a.value(), {-6.0 / 13, -8.0 / 13});
  expect_values(b.value(), {-24.0 / 13}, 1e-12);
  SGD loose({.learning_rate = 1.0, .global_clipnorm = 100.0});
  loose.apply_gradients({{constant({3.0f, 4.0f}), a}});
  expect_values(a.value(), {-6.0 / 13 - 3, -8.0 / 13 - 4});
}

TEST(Optimizer, ClipValue) {
  SGD sgd({.learning_rate = 1.0, .clipvalue = 0.5});
  Variable a(constant({0.0f, 0.0f, 0.0f}), {.name = "a"});
  sgd.apply_gradients({{constant({3.0f, -0.2f, -4.0f}), a}});
  expect_values(a.value(), {-0.5, 0.2, 0.5});
}

TEST(Optimizer, ClipNormTakesPrecedenceOverClipValueAsInKeras) {
  SGD sgd({.learning_rate = 1.0, .clipnorm = 10.0, .clipvalue = 0.5});
  Variable a(constant({0.0f, 0.0f}), {.name = "a"});
  sgd.apply_gradients({{constant({3.0f, 4.0f}), a}});
  expect_values(a.value(), {-3.0, -4.0});
}

TEST(Optimizer, DecoupledWeightDecayBeforeTheUpdate) {
  // var = var - var * wd * lr, then the SGD step: 2 - 2*0.1*0.5 - 0.5*1 = 1.4
  SGD sgd({.learning_rate = 0.5, .weight_decay = 0.1});
  Variable w(constant({2.0, -4.0}, float64), {.name = "w"});
  sgd.apply_gradients({{constant({1.0, 0.0}, float64), w}});
  expect_values(w.value(), {1.4, -3.8}, 1e-12);
  EXPECT_EQ(sgd.get_config()["weight_decay"], 0.1);
}

TEST(Optimizer, LearningRateConstantAndSettable) {
  SGD sgd({.learning_rate = 0.2});
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.2);
  EXPECT_FALSE(sgd.has_schedule());
  sgd.set_learning_rate(0.05);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.05);
  Variable w(constant({1.0}, float64), {.name = "w"});
  sgd.apply_gradients({{constant({1.0}, float64), w}});
  expect_values(w.value(), {0.95}, 1e-12);
  EXPECT_EQ(sgd.get_config()["learning_rate"], 0.05);
}

TEST(Optimizer, ScheduleDrivesTheLearningRate) {
  // lr = 1.0 * 0.5^floor(step / 2): steps 0,1 -> 1; 2,3 -> 0.5; 4 -> 0.25.
  auto schedule = std::make_shared<optimizers::ExponentialDecay>(1.0, 2, 0.5, true);
  SGD sgd({.learning_rate = schedule});
  EXPECT_TRUE(sgd.has_schedule());
  Variable w(constant({0.0}, float64), {.name = "w"});
  std::vector<double> expected_lr = {1.0, 1.0, 0.5, 0.5, 0.25};
  double expected_w = 0;
  for (double lr : expected_lr) {
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), lr);
    sgd.apply_gradients({{constant({1.0}, float64), w}});
    expected_w -= lr;
    expect_values(w.value(), {expected_w}, 1e-12);
  }
  expect_error<TypeError>([&] { sgd.set_learning_rate(0.1); }, "not settable");
  nlohmann::json lr = sgd.get_config()["learning_rate"];
  EXPECT_EQ(lr["class_name"], "ExponentialDecay");
  EXPECT_EQ(lr["config"]["decay_rate"], 0.5);
}

TEST(Optimizer, AppliesInsideAnActiveTape) {
  Variable w(constant({1.0f, 2.0f}), {.name = "w"});
  optimizers::Adam adam({.learning_rate = 0.1});
  GradientTape tape(/*persistent=*/true);
  Tensor loss = reduce_sum(square(w.value()));
  auto grads = tape.gradient(loss, std::vector<Variable>{w});
  adam.apply_gradients(grads, {w});
  // The tape stays usable after the (unrecorded) update and sees the variable's new value.
  Tensor loss2 = reduce_sum(w.value() * 3.0);
  auto grads2 = tape.gradient(loss2, std::vector<Variable>{w});
  ASSERT_TRUE(grads2[0].has_value());
  expect_values(*grads2[0], {3.0, 3.0});
  expect_values(w.value(), {0.9, 1.9}, 1e-5);
}

TEST(Optimizer, BuildMakesSlotsAheadOfTheFirstStep) {
  optimizers::Adam adam;
  Variable a(constant({1.0f}), {.name = "a"});
  Variable b(constant({1.0f, 2.0f}), {.name = "b"});
  adam.build({a, b});
  adam.build({a});  // once per variable
  EXPECT_EQ(testing::variable_names(adam),
            (std::vector<std::string>{"iteration", "m/a", "v/a", "m/b", "v/b"}));
  EXPECT_EQ(adam.iterations().value().item<int64_t>(), 0);
  // A restored slot value is used by the next step: m = 0.9 * 1 + 0.1 * 0.5.
  Variable m_a = adam.variables()[1];
  m_a.assign(constant({1.0f}));
  adam.apply_gradients({{constant({0.5f}), a}});
  expect_values(adam.variables()[1].value(), {0.95});
  EXPECT_EQ(adam.variables().size(), 5u);
}

TEST(Optimizer, EveryOptimizerUpdatesInPlace) {
  // After the first step has made the slots, a step writes into the existing buffers of the
  // variable and its slots: no copy-on-write, so no hidden snapshot outlives an update.
  for (const char* name :
       {"sgd", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "rmsprop", "ftrl"}) {
    SCOPED_TRACE(name);
    optimizers::OptimizerPtr o = optimizers::get(name);
    Variable w(constant({1.0f, -2.0f, 3.0f}), {.name = "w"});
    Tensor g = constant({0.5f, 0.25f, -1.0f});
    o->apply_gradients({{g, w}});
    std::vector<const void*> before;
    for (const Variable& v : o->variables()) before.push_back(v.value().raw_data());
    const void* w_before = w.value().raw_data();
    o->apply_gradients({{g, w}});
    EXPECT_EQ(w.value().raw_data(), w_before);
    std::vector<Variable> after = o->variables();
    ASSERT_EQ(after.size(), before.size());
    for (size_t i = 1; i < after.size(); ++i) {  // [0] is iterations, replaced each step
      EXPECT_EQ(after[i].value().raw_data(), before[i]) << after[i].name();
    }
  }
}

}  // namespace
}  // namespace tandem
