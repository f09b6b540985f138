// RMSprop against a float64 reference of Keras 2.11's rule: plain, centered, with momentum.
#include "tandem/optimizers/rmsprop.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::RMSprop;
using optimizers::RMSpropOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep rmsprop_reference(double lr, double rho, double momentum, double eps, bool centered) {
  auto vel = std::make_shared<Values>(4, 0.0);
  auto mom = std::make_shared<Values>(4, 0.0);
  auto avg = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int) {
    for (size_t i = 0; i < w.size(); ++i) {
      (*vel)[i] = rho * (*vel)[i] + (1 - rho) * g[i] * g[i];
      double denominator = (*vel)[i] + eps;
      if (centered) {
        (*avg)[i] = rho * (*avg)[i] + (1 - rho) * g[i];
        denominator = (*vel)[i] - (*avg)[i] * (*avg)[i] + eps;
      }
      double increment = lr * g[i] / std::sqrt(denominator);
      if (momentum > 0) {
        (*mom)[i] = momentum * (*mom)[i] + increment;
        w[i] -= (*mom)[i];
      } else {
        w[i] -= increment;
      }
    }
  };
}

TEST(RMSprop, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<RMSprop>(); },
                                    [] { return rmsprop_reference(0.001, 0.9, 0.0, 1e-7, false); });
}

TEST(RMSprop, CenteredWithMomentum) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<RMSprop>(RMSpropOptions{
            .learning_rate = 0.01, .rho = 0.8, .momentum = 0.7, .epsilon = 1e-4, .centered = true});
      },
      [] { return rmsprop_reference(0.01, 0.8, 0.7, 1e-4, true); });
}

TEST(RMSprop, Momentum) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .momentum = 0.5});
      },
      [] { return rmsprop_reference(0.01, 0.9, 0.5, 1e-7, false); });
}

TEST(RMSprop, SlotsFollowTheOptions) {
  Variable w(constant({1.0f}), {.name = "w"});
  RMSprop plain;
  plain.apply_gradients({{constant({1.0f}), w}});
  EXPECT_EQ(testing::variable_names(plain), (std::vector<std::string>{"iteration", "velocity/w"}));
  RMSprop full({.momentum = 0.9, .centered = true});
  full.apply_gradients({{constant({1.0f}), w}});
  EXPECT_EQ(
      testing::variable_names(full),
      (std::vector<std::string>{"iteration", "velocity/w", "momentum/w", "average_gradient/w"}));
  nlohmann::json c = full.get_config();
  EXPECT_EQ(c["centered"], true);
  EXPECT_EQ(c["momentum"], 0.9);
  EXPECT_EQ(c["rho"], 0.9);
}

}  // namespace
}  // namespace tandem
