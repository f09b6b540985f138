// Adadelta against a float64 reference of Keras 2.11's rule.
#include "tandem/optimizers/adadelta.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::Adadelta;
using optimizers::AdadeltaOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep adadelta_reference(double lr, double rho, double eps) {
  auto acc_grad = std::make_shared<Values>(4, 0.0);
  auto acc_delta = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int) {
    for (size_t i = 0; i < w.size(); ++i) {
      (*acc_grad)[i] = rho * (*acc_grad)[i] + (1 - rho) * g[i] * g[i];
      double delta = -std::sqrt((*acc_delta)[i] + eps) * g[i] / std::sqrt((*acc_grad)[i] + eps);
      (*acc_delta)[i] = rho * (*acc_delta)[i] + (1 - rho) * delta * delta;
      w[i] += lr * delta;
    }
  };
}

TEST(Adadelta, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Adadelta>(); },
                                    [] { return adadelta_reference(0.001, 0.95, 1e-7); });
}

TEST(Adadelta, Hyperparameters) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<Adadelta>(
            AdadeltaOptions{.learning_rate = 1.0, .rho = 0.5, .epsilon = 1e-3});
      },
      [] { return adadelta_reference(1.0, 0.5, 1e-3); });
}

TEST(Adadelta, SlotsAndConfig) {
  Adadelta opt;
  Variable w(constant({1.0f}), {.name = "w"});
  opt.apply_gradients({{constant({1.0f}), w}});
  EXPECT_EQ(
      testing::variable_names(opt),
      (std::vector<std::string>{"iteration", "accumulated_grad/w", "accumulated_delta_var/w"}));
  EXPECT_EQ(opt.get_config()["rho"], 0.95);
}

}  // namespace
}  // namespace tandem
