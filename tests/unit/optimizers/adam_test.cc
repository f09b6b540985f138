// Adam against a float64 reference of Keras 2.11's rule, with and without amsgrad; convergence on
// a quadratic.
#include "tandem/optimizers/adam.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/reduction.h"

namespace tandem {
namespace {

using optimizers::Adam;
using optimizers::AdamOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep adam_reference(double lr, double b1, double b2, double eps, bool amsgrad) {
  auto m = std::make_shared<Values>(4, 0.0);
  auto v = std::make_shared<Values>(4, 0.0);
  auto vhat = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int t) {
    double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (size_t i = 0; i < w.size(); ++i) {
      (*m)[i] += (g[i] - (*m)[i]) * (1 - b1);
      (*v)[i] += (g[i] * g[i] - (*v)[i]) * (1 - b2);
      (*vhat)[i] = std::max((*vhat)[i], (*v)[i]);
      double second = amsgrad ? (*vhat)[i] : (*v)[i];
      w[i] -= (*m)[i] * alpha / (std::sqrt(second) + eps);
    }
  };
}

TEST(Adam, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Adam>(); },
                                    [] { return adam_reference(0.001, 0.9, 0.999, 1e-7, false); });
}

TEST(Adam, HyperparametersAndAmsgrad) {
  AdamOptions o{
      .learning_rate = 0.1, .beta_1 = 0.8, .beta_2 = 0.9, .epsilon = 1e-3, .amsgrad = true};
  testing::expect_matches_reference([o] { return std::make_shared<Adam>(o); },
                                    [] { return adam_reference(0.1, 0.8, 0.9, 1e-3, true); }, 8);
}

TEST(Adam, SlotNamesConfigAndLazyCreation) {
  Adam adam({.amsgrad = true});
  Variable kernel(constant({{1.0f, 2.0f}}), {.name = "dense/kernel"});
  Variable bias(constant({0.0f}), {.name = "dense/bias"});
  EXPECT_EQ(adam.variables().size(), 1u);  // slots are made on first use
  adam.apply_gradients({{constant({{0.1f, 0.2f}}), kernel}, {std::nullopt, bias}});
  EXPECT_EQ(testing::variable_names(adam),
            (std::vector<std::string>{"iteration", "m/dense/kernel", "v/dense/kernel",
                                      "vhat/dense/kernel"}));
  adam.apply_gradients({{constant({{0.1f, 0.2f}}), kernel}, {constant({1.0f}), bias}});
  EXPECT_EQ(testing::variable_names(adam),
            (std::vector<std::string>{"iteration", "m/dense/kernel", "v/dense/kernel",
                                      "vhat/dense/kernel", "m/dense/bias", "v/dense/bias",
                                      "vhat/dense/bias"}));
  // The second apply_gradients reuses the kernel's slots: m = 0.1 g + 0.09 g.
  testing::expect_values(adam.variables()[1].value(), {0.019, 0.038});
  nlohmann::json c = adam.get_config();
  EXPECT_EQ(c["beta_1"], 0.9);
  EXPECT_EQ(c["beta_2"], 0.999);
  EXPECT_EQ(c["epsilon"], 1e-7);
  EXPECT_EQ(c["amsgrad"], true);
  EXPECT_EQ(c["name"], "Adam");
  EXPECT_EQ(c["is_legacy_optimizer"], false);
}

TEST(Adam, MinimisesAQuadratic) {
  // f(w) = sum((w - target)^2 * scale): Adam reaches the minimum from far away.
  Variable w(constant({5.0f, -3.0f, 0.5f}), {.name = "w"});
  Tensor target = constant({1.0f, 2.0f, -1.0f});
  Tensor scale = constant({1.0f, 10.0f, 0.1f});
  Adam adam({.learning_rate = 0.1});
  double loss_value = 0;
  for (int step = 0; step < 400; ++step) {
    GradientTape tape;
    Tensor loss = reduce_sum(square(w.value() - target) * scale);
    loss_value = loss.item<double>();
    auto grads = tape.gradient(loss, std::vector<Variable>{w});
    adam.apply_gradients(grads, {w});
  }
  EXPECT_LT(loss_value, 1e-3);
  testing::expect_values(w.value(), {1.0, 2.0, -1.0}, 2e-2);
}

}  // namespace
}  // namespace tandem
