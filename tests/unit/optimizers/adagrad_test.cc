// Adagrad against a float64 reference of Keras 2.11's rule (epsilon inside the square root).
#include "tandem/optimizers/adagrad.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::Adagrad;
using optimizers::AdagradOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep adagrad_reference(double lr, double initial, double eps) {
  auto acc = std::make_shared<Values>(4, initial);
  return [=](Values& w, const Values& g, int) {
    for (size_t i = 0; i < w.size(); ++i) {
      (*acc)[i] += g[i] * g[i];
      w[i] -= lr * g[i] / std::sqrt((*acc)[i] + eps);
    }
  };
}

TEST(Adagrad, Defaults) {
  testing::expect_matches_reference([] { return std::make_shared<Adagrad>(); },
                                    [] { return adagrad_reference(0.001, 0.1, 1e-7); });
}

TEST(Adagrad, Hyperparameters) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<Adagrad>(AdagradOptions{
            .learning_rate = 0.5, .initial_accumulator_value = 0.0, .epsilon = 0.01});
      },
      [] { return adagrad_reference(0.5, 0.0, 0.01); });
}

TEST(Adagrad, SlotStartsAtTheInitialAccumulator) {
  Adagrad opt({.initial_accumulator_value = 0.25});
  Variable w(constant({1.0, 2.0}), {.name = "w"});
  opt.apply_gradients({{constant({0.5, 0.0}), w}});
  EXPECT_EQ(testing::variable_names(opt), (std::vector<std::string>{"iteration", "accumulator/w"}));
  testing::expect_values(opt.variables()[1].value(), {0.5, 0.25}, 1e-12);
  EXPECT_EQ(opt.get_config()["initial_accumulator_value"], 0.25);
}

}  // namespace
}  // namespace tandem
