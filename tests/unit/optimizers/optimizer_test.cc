// The Optimizer base: gradient filtering and checks, clipping, weight decay, iterations, learning
// rates and schedules, no tape recording, gradient accumulation.
#include "tandem/optimizers/optimizer.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/reduction.h"
#include "tandem/optimizers/adam.h"
#include "tandem/optimizers/sgd.h"
#include "tandem/tandem.h"

namespace tandem {
namespace {

using optimizers::SGD;
using testing::expect_error;
using testing::expect_values;

TEST(Optimizer, IterationsCountSteps) {
  SGD sgd({.learning_rate = 0.5});
  EXPECT_EQ(sgd.iteration_variable().name(), "iteration");
  EXPECT_EQ(sgd.iterations().dtype(), int64);
  EXPECT_EQ(sgd.iterations().item<int64_t>(), 0);
  Variable w(constant({1.0f, 2.0f}), {.name = "w"});
  for (int i = 0; i < 3; ++i) sgd.apply_gradients({constant({1.0f, -1.0f})}, {w});
  EXPECT_EQ(sgd.iterations().item<int64_t>(), 3);
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
  EXPECT_EQ(sgd.iterations().item<int64_t>(), 0);  // nothing was applied
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
  EXPECT_EQ(adam.iterations().item<int64_t>(), 0);
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

// ---- gradient accumulation (Keras 3's gradient_accumulation_steps) ----

std::shared_ptr<Sequential> small_mlp() {
  set_random_seed(21);
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<layers::Dense>(
      6, layers::DenseOptions{.activation = "tanh", .layer = {.input_shape = Shape{5}}}));
  model->add(std::make_shared<layers::Dense>(2));
  return model;
}

std::pair<Tensor, Tensor> regression_data(int64_t rows) {
  return {random_normal(Shape{rows, 5}, {.seed = 31}), random_normal(Shape{rows, 2}, {.seed = 32})};
}

double max_abs_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    std::vector<double> u = cast(a[i], float64).to_vector<double>();
    std::vector<double> v = cast(b[i], float64).to_vector<double>();
    for (size_t j = 0; j < u.size(); ++j) worst = std::max(worst, std::abs(u[j] - v[j]));
  }
  return worst;
}

// fit with `optimizer` on batches of `batch` rows (in order); the final weights.
std::vector<Tensor> fit_weights(const std::shared_ptr<optimizers::Optimizer>& optimizer,
                                const Tensor& x, const Tensor& y, int64_t batch) {
  auto model = small_mlp();
  model->compile({.optimizer = optimizer, .loss = "mse"});
  model->fit(x, y, {.batch_size = batch, .epochs = 1, .verbose = 0, .shuffle = false});
  return model->get_weights();
}

// k steps of batch b are one step of batch k * b: the mean of k batch-means of b rows is the mean
// over the k * b rows, and the variables move only on every k-th call. Float32 sums in another
// order differ in the last bits; 1e-6 on weights of order 0.5 fails on any real difference (an
// update per call, or a sum instead of a mean, is off by ~1e-2).
TEST(GradientAccumulation, FourStepsOfBatchBEqualOneStepOfBatchFourB) {
  const int64_t b = 3, k = 4, updates = 3;
  auto [x, y] = regression_data(b * k * updates);
  auto accumulating = std::make_shared<SGD>(optimizers::SGDOptions{
      .learning_rate = 0.1, .momentum = 0.9, .gradient_accumulation_steps = k});
  auto plain = std::make_shared<SGD>(optimizers::SGDOptions{.learning_rate = 0.1, .momentum = 0.9});
  std::vector<Tensor> got = fit_weights(accumulating, x, y, b);
  std::vector<Tensor> expected = fit_weights(plain, x, y, k * b);
  EXPECT_LT(max_abs_difference(got, expected), 1e-6);
  EXPECT_GT(max_abs_difference(got, small_mlp()->get_weights()), 1e-2);  // it did train
  // Keras 3: `iterations` counts updates, the `iteration` variable every call.
  EXPECT_EQ(accumulating->iterations().item<int64_t>(), updates);
  EXPECT_EQ(accumulating->iteration_variable().value().item<int64_t>(), k * updates);
  EXPECT_EQ(plain->iterations().item<int64_t>(), updates);
}

// Adam's bias correction counts updates (Keras 3 reads optimizer.iterations), so the equivalence
// holds for it too.
TEST(GradientAccumulation, AdamCountsUpdatesForBiasCorrection) {
  const int64_t b = 2, k = 2, updates = 4;
  auto [x, y] = regression_data(b * k * updates);
  std::vector<Tensor> got =
      fit_weights(std::make_shared<optimizers::Adam>(optimizers::AdamOptions{
                      .learning_rate = 0.01, .gradient_accumulation_steps = k}),
                  x, y, b);
  std::vector<Tensor> expected = fit_weights(
      std::make_shared<optimizers::Adam>(optimizers::AdamOptions{.learning_rate = 0.01}), x, y,
      k * b);
  EXPECT_LT(max_abs_difference(got, expected), 1e-6);
}

TEST(GradientAccumulation, AccumulatesBetweenUpdatesAndUpdatesWithTheMean) {
  SGD sgd({.learning_rate = 0.5, .momentum = 0.5, .gradient_accumulation_steps = 3});
  Variable w(constant({1.0f, 2.0f}), {.name = "dense/kernel"});
  sgd.apply_gradients({constant({1.0f, 4.0f})}, {w});
  sgd.apply_gradients({constant({2.0f, -1.0f})}, {w});
  expect_values(w.value(), {1.0, 2.0});  // not updated yet
  expect_values(sgd.gradient_accumulator(w).value(), {3.0, 3.0});
  // The accumulator is an optimizer variable (checkpoints save it), before the momentum slot.
  EXPECT_EQ(testing::variable_names(sgd),
            (std::vector<std::string>{"iteration", "gradient_accumulator/dense/kernel",
                                      "m/dense/kernel"}));
  EXPECT_EQ(sgd.iterations().item<int64_t>(), 0);
  sgd.apply_gradients({constant({3.0f, 0.0f})}, {w});
  // mean gradient (2, 1); momentum m = -0.5 * (2, 1) = (-1, -0.5)
  expect_values(w.value(), {0.0, 1.5});
  expect_values(sgd.variables()[2].value(), {-1.0, -0.5});  // m/dense/kernel
  expect_values(sgd.gradient_accumulator(w).value(), {0.0, 0.0});
  EXPECT_EQ(sgd.iterations().item<int64_t>(), 1);
  EXPECT_EQ(sgd.iteration_variable().value().item<int64_t>(), 3);
}

// Keras 3 clips the cycle's mean gradient and applies weight decay on the update only.
TEST(GradientAccumulation, ClipsTheMeanAndDecaysOnUpdates) {
  SGD sgd({.learning_rate = 1.0,
           .clipnorm = 1.0,
           .weight_decay = 0.5,
           .gradient_accumulation_steps = 2});
  Variable w(constant({2.0f, 0.0f}), {.name = "w"});
  sgd.apply_gradients({constant({6.0f, 8.0f})}, {w});
  expect_values(w.value(), {2.0, 0.0});  // no decay on an accumulation step
  sgd.apply_gradients({constant({0.0f, 0.0f})}, {w});
  // decay: w - 1 * 0.5 * w = (1, 0); mean (3, 4) clipped to norm 1: (0.6, 0.8)
  expect_values(w.value(), {0.4, -0.8});
}

// Learning-rate schedules see every call (Keras 3), not only the updates.
TEST(GradientAccumulation, SchedulesSeeEveryCall) {
  auto schedule = std::make_shared<optimizers::ExponentialDecay>(1.0, 1.0, 0.5);
  SGD sgd({.learning_rate = schedule, .gradient_accumulation_steps = 2});
  Variable w(constant({0.0f}), {.name = "w"});
  sgd.apply_gradients({constant({1.0f})}, {w});
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.5);  // schedule(1)
  sgd.apply_gradients({constant({1.0f})}, {w});
  expect_values(w.value(), {-0.5});  // mean 1 at lr schedule(1) = 0.5
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.25);
}

// A missing gradient leaves that variable's accumulator alone; on the update Keras 3 updates the
// variables with a gradient in that call and zeroes every accumulator.
TEST(GradientAccumulation, MissingGradients) {
  SGD sgd({.learning_rate = 1.0, .gradient_accumulation_steps = 2});
  Variable a(constant({0.0f}), {.name = "a"});
  Variable b(constant({0.0f}), {.name = "b"});
  sgd.apply_gradients({{constant({2.0f}), a}, {std::nullopt, b}});
  expect_values(sgd.gradient_accumulator(b).value(), {0.0});
  sgd.apply_gradients({{constant({4.0f}), a}, {constant({6.0f}), b}});
  expect_values(a.value(), {-3.0});
  expect_values(b.value(), {-3.0});
  expect_error<ValueError>(
      [&] {
        sgd.apply_gradients({{std::nullopt, a}});
      },
      "No gradients provided for any variable: [a]");
}

// A checkpoint mid-cycle (the optimizer's variables, accumulators included) resumes exactly.
TEST(GradientAccumulation, RestoredMidCycleContinuesExactly) {
  auto make = [] {
    return SGD({.learning_rate = 0.1, .momentum = 0.9, .gradient_accumulation_steps = 3});
  };
  auto grad = [](int i) { return constant({float(i), float(2 - i)}); };
  SGD uninterrupted = make();
  Variable w1(constant({1.0f, -1.0f}), {.name = "w"});
  for (int i = 0; i < 5; ++i) uninterrupted.apply_gradients({grad(i)}, {w1});

  SGD first = make();
  Variable w2(constant({1.0f, -1.0f}), {.name = "w"});
  for (int i = 0; i < 4; ++i) first.apply_gradients({grad(i)}, {w2});
  SGD resumed = make();
  resumed.build({w2});
  std::vector<Variable> saved = first.variables(), restored = resumed.variables();
  ASSERT_EQ(saved.size(), restored.size());
  for (size_t i = 0; i < saved.size(); ++i) restored[i].assign(saved[i].value());
  resumed.apply_gradients({grad(4)}, {w2});
  expect_values(w2.value(), cast(w1.value(), float64).to_vector<double>(), 0.0);
  resumed.apply_gradients({grad(5)}, {w2});
  uninterrupted.apply_gradients({grad(5)}, {w1});
  expect_values(w2.value(), cast(w1.value(), float64).to_vector<double>(), 0.0);
  EXPECT_EQ(resumed.iterations().item<int64_t>(), 2);
}

TEST(GradientAccumulation, ConfigRoundTrip) {
  SGD sgd({.learning_rate = 0.2, .gradient_accumulation_steps = 4});
  nlohmann::json config = sgd.get_config();
  EXPECT_EQ(config["gradient_accumulation_steps"], 4);
  auto back = optimizers::deserialize(optimizers::serialize(sgd));
  EXPECT_EQ(back->gradient_accumulation_steps(), 4);
  EXPECT_EQ(back->get_config(), config);
  auto adam = optimizers::deserialize(
      {{"class_name", "Adam"}, {"config", {{"gradient_accumulation_steps", 2}}}});
  EXPECT_EQ(adam->gradient_accumulation_steps(), 2);
  EXPECT_EQ(adam->get_config()["gradient_accumulation_steps"], 2);
  // Unset is Keras's null, and null reads back as unset.
  EXPECT_TRUE(SGD().get_config()["gradient_accumulation_steps"].is_null());
  EXPECT_EQ(SGD::from_config(SGD().get_config())->gradient_accumulation_steps(), 0);
  expect_error<ValueError>([] { SGD({.gradient_accumulation_steps = 1}); },
                           "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                           "gradient_accumulation_steps=1");
  expect_error<ValueError>(
      [] {
        optimizers::deserialize(
            {{"class_name", "SGD"}, {"config", {{"gradient_accumulation_steps", "4"}}}});
      },
      "must be an integer or null");
}

// What the strategy hears: the variables are registered when built, and only the update step
// asks for aggregation (the accumulation steps call nothing, so nothing can communicate).
class CountingStrategy : public distributed::Strategy {
 public:
  void register_gradient_accumulation(const std::vector<Variable>& variables,
                                      const std::vector<Variable>& accumulators,
                                      const Variable& iterations, int64_t steps) override {
    registered += int(variables.size());
    EXPECT_EQ(accumulators[0].name(), "gradient_accumulator/" + variables[0].name());
    EXPECT_EQ(iterations.name(), "iteration");
    EXPECT_EQ(steps, 3);
  }
  void unregister_gradient_accumulation(const std::vector<Variable>& variables) override {
    unregistered += int(variables.size());
  }
  std::vector<std::optional<Tensor>> aggregate_gradients(
      const std::vector<std::optional<Tensor>>& gradients,
      const std::vector<Variable>& variables) override {
    ++plain;
    return Strategy::aggregate_gradients(gradients, variables);
  }
  std::vector<std::optional<Tensor>> aggregate_accumulated_gradients(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
      const std::vector<Variable>& accumulators) override {
    ++accumulated;
    return Strategy::aggregate_accumulated_gradients(gradients, variables, accumulators);
  }
  int registered = 0, unregistered = 0, plain = 0, accumulated = 0;
};

TEST(GradientAccumulation, StrategyIsAskedOnlyOnUpdates) {
  auto strategy = std::make_shared<CountingStrategy>();
  auto scope = distributed::scope(strategy);
  {
    SGD sgd({.learning_rate = 0.1, .gradient_accumulation_steps = 3});
    Variable a(constant({1.0f}), {.name = "a"}), b(constant({1.0f}), {.name = "b"});
    for (int i = 0; i < 7; ++i) sgd.apply_gradients({constant({1.0f}), constant({2.0f})}, {a, b});
    EXPECT_EQ(strategy->registered, 2);
    EXPECT_EQ(strategy->accumulated, 2);  // calls 3 and 6
    EXPECT_EQ(strategy->plain, 0);
  }
  EXPECT_EQ(strategy->unregistered, 2);  // the optimizer is gone
}

}  // namespace
}  // namespace tandem
