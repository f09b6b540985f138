// Adamax against a float64 reference of Keras 2.11's rule.
#include "tandem/optimizers/adamax.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::Adamax;
using optimizers::AdamaxOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep adamax_reference(double lr, double b1, double b2, double eps) {
  auto m = std::make_shared<Values>(4, 0.0);
  auto u = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int t) {
    for (size_t i = 0; i < w.size(); ++i) {
      (*m)[i] += (g[i] - (*m)[i]) * (1 - b1);
      (*u)[i] = std::max(b2 * (*u)[i], std::abs(g[i]));
      w[i] -= lr * (*m)[i] / ((1 - std::pow(b1, t)) * ((*u)[i] + eps));
    }
  };
}

TEST(Adamax, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Adamax>(); },
                                    [] { return adamax_reference(0.001, 0.9, 0.999, 1e-7); });
}

TEST(Adamax, Hyperparameters) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<Adamax>(
            AdamaxOptions{.learning_rate = 0.2, .beta_1 = 0.7, .beta_2 = 0.5, .epsilon = 1e-2});
      },
      [] { return adamax_reference(0.2, 0.7, 0.5, 1e-2); });
}

TEST(Adamax, SlotsAndConfig) {
  Adamax opt;
  Variable w(constant({1.0f}), {.name = "w"});
  opt.apply_gradients({{constant({1.0f}), w}});
  EXPECT_EQ(testing::variable_names(opt), (std::vector<std::string>{"iteration", "m/w", "u/w"}));
  EXPECT_EQ(opt.get_config()["beta_2"], 0.999);
}

}  // namespace
}  // namespace tandem
