// Nadam against a float64 reference of Keras 2.11's rule, momentum-cache schedule included.
#include "tandem/optimizers/nadam.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::Nadam;
using optimizers::NadamOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep nadam_reference(double lr, double b1, double b2, double eps) {
  auto m = std::make_shared<Values>(4, 0.0);
  auto v = std::make_shared<Values>(4, 0.0);
  auto u_product = std::make_shared<double>(1.0);
  return [=](Values& w, const Values& g, int t) {
    double u_t = b1 * (1 - 0.5 * std::pow(0.96, t));
    double u_next = b1 * (1 - 0.5 * std::pow(0.96, t + 1));
    *u_product *= u_t;  // prod_{i<=t} u_i
    double u_product_next = *u_product * u_next;
    for (size_t i = 0; i < w.size(); ++i) {
      (*m)[i] += (g[i] - (*m)[i]) * (1 - b1);
      (*v)[i] += (g[i] * g[i] - (*v)[i]) * (1 - b2);
      double m_hat = u_t * (*m)[i] / (1 - *u_product) + (1 - u_t) * g[i] / (1 - u_product_next);
      double v_hat = (*v)[i] / (1 - std::pow(b2, t));
      w[i] -= m_hat * lr / (std::sqrt(v_hat) + eps);
    }
  };
}

TEST(Nadam, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Nadam>(); },
                                    [] { return nadam_reference(0.001, 0.9, 0.999, 1e-7); });
}

TEST(Nadam, Hyperparameters) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<Nadam>(
            NadamOptions{.learning_rate = 0.05, .beta_1 = 0.8, .beta_2 = 0.95, .epsilon = 1e-4});
      },
      [] { return nadam_reference(0.05, 0.8, 0.95, 1e-4); }, 10);
}

TEST(Nadam, TwoVariablesShareTheScheduleOfAStep) {
  // The cached momentum product advances once per step, not once per variable.
  Nadam opt({.learning_rate = 0.1});
  Variable a(constant({1.0}), {.name = "a"});
  Variable b(constant({1.0}), {.name = "b"});
  for (int step = 0; step < 3; ++step) {
    opt.apply_gradients({{constant({0.5}), a}, {constant({0.5}), b}});
  }
  Nadam single({.learning_rate = 0.1});
  Variable c(constant({1.0}), {.name = "c"});
  for (int step = 0; step < 3; ++step) single.apply_gradients({{constant({0.5}), c}});
  EXPECT_DOUBLE_EQ(a.value().item<double>(), c.value().item<double>());
  EXPECT_DOUBLE_EQ(b.value().item<double>(), c.value().item<double>());
  EXPECT_EQ(testing::variable_names(opt),
            (std::vector<std::string>{"iteration", "m/a", "v/a", "m/b", "v/b"}));
}

}  // namespace
}  // namespace tandem
