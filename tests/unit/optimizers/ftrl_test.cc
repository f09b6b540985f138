// Ftrl against a float64 reference of Keras 2.11's rule, with regularisation and shrinkage.
#include "tandem/optimizers/ftrl.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::Ftrl;
using optimizers::FtrlOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep ftrl_reference(const FtrlOptions& o, double lr) {
  auto acc = std::make_shared<Values>(4, o.initial_accumulator_value);
  auto lin = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int) {
    double p = -o.learning_rate_power;
    double l1 = o.l1_regularization_strength;
    double l2 = o.l2_regularization_strength + o.beta / (2 * lr);
    for (size_t i = 0; i < w.size(); ++i) {
      double grad = g[i] + 2 * o.l2_shrinkage_regularization_strength * w[i];
      double new_acc = (*acc)[i] + g[i] * g[i];
      (*lin)[i] += grad - (std::pow(new_acc, p) - std::pow((*acc)[i], p)) / lr * w[i];
      double quadratic = std::pow(new_acc, p) / lr + 2 * l2;
      double clipped = std::clamp((*lin)[i], -l1, l1);
      w[i] = (clipped - (*lin)[i]) / quadratic;
      (*acc)[i] = new_acc;
    }
  };
}

TEST(Ftrl, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Ftrl>(); },
                                    [] { return ftrl_reference(FtrlOptions{}, 0.001); });
}

TEST(Ftrl, RegularisedWithAnotherPower) {
  FtrlOptions o{.learning_rate = 0.5,
                .learning_rate_power = -0.7,
                .initial_accumulator_value = 0.2,
                .l1_regularization_strength = 0.05,
                .l2_regularization_strength = 0.1,
                .l2_shrinkage_regularization_strength = 0.02,
                .beta = 0.3};
  testing::expect_matches_reference([o] { return std::make_shared<Ftrl>(o); },
                                    [o] { return ftrl_reference(o, 0.5); });
}

TEST(Ftrl, SlotsConfigAndChecks) {
  Ftrl opt({.l1_regularization_strength = 0.01});
  Variable w(constant({1.0f}), {.name = "w"});
  opt.apply_gradients({{constant({1.0f}), w}});
  EXPECT_EQ(testing::variable_names(opt),
            (std::vector<std::string>{"iteration", "accumulator/w", "linear/w"}));
  testing::expect_values(opt.variables()[1].value(), {1.1});
  nlohmann::json c = opt.get_config();
  EXPECT_EQ(c["learning_rate_power"], -0.5);
  EXPECT_EQ(c["l1_regularization_strength"], 0.01);
  EXPECT_EQ(c["l2_shrinkage_regularization_strength"], 0.0);
  testing::expect_error<ValueError>([] { Ftrl({.learning_rate_power = 0.5}); },
                                    "`learning_rate_power` needs to be negative or zero");
  testing::expect_error<ValueError>([] { Ftrl({.initial_accumulator_value = -1}); },
                                    "`initial_accumulator_value` needs to be positive or zero");
}

}  // namespace
}  // namespace tandem
