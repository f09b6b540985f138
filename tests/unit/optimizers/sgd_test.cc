// SGD against a float64 reference of Keras's update rule, plain and with (Nesterov) momentum.
#include "tandem/optimizers/sgd.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::SGD;
using optimizers::SGDOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep sgd_reference(double lr, double momentum, bool nesterov) {
  auto m = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int) {
    for (size_t i = 0; i < w.size(); ++i) {
      if (momentum == 0) {
        w[i] -= lr * g[i];
        continue;
      }
      (*m)[i] = momentum * (*m)[i] - lr * g[i];
      w[i] += nesterov ? momentum * (*m)[i] - lr * g[i] : (*m)[i];
    }
  };
}

TEST(SGD, Plain) {
  testing::expect_matches_reference(
      [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1}); },
      [] { return sgd_reference(0.1, 0.0, false); });
}

TEST(SGD, Momentum) {
  testing::expect_matches_reference(
      [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.05, .momentum = 0.9}); },
      [] { return sgd_reference(0.05, 0.9, false); });
}

TEST(SGD, Nesterov) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<SGD>(
            SGDOptions{.learning_rate = 0.05, .momentum = 0.8, .nesterov = true});
      },
      [] { return sgd_reference(0.05, 0.8, true); });
}

TEST(SGD, SlotsAndConfig) {
  SGD plain;
  SGD with_momentum({.momentum = 0.5, .name = "my_sgd"});
  Variable w(constant({1.0f, 2.0f}), {.name = "dense/kernel"});
  plain.apply_gradients({{constant({1.0f, 1.0f}), w}});
  with_momentum.apply_gradients({{constant({1.0f, 1.0f}), w}});
  EXPECT_EQ(testing::variable_names(plain), (std::vector<std::string>{"iteration"}));
  EXPECT_EQ(testing::variable_names(with_momentum),
            (std::vector<std::string>{"iteration", "m/dense/kernel"}));
  // Defaults: Keras's learning rate 0.01; the second step sees the first's momentum.
  testing::expect_values(w.value(), {1.0 - 0.01 - 0.01, 2.0 - 0.01 - 0.01});
  nlohmann::json c = with_momentum.get_config();
  EXPECT_EQ(c["name"], "my_sgd");
  EXPECT_EQ(c["momentum"], 0.5);
  EXPECT_EQ(c["nesterov"], false);
  EXPECT_EQ(c["learning_rate"], 0.01);
  testing::expect_error<ValueError>([] { SGD({.momentum = 1.5}); }, "must be between [0, 1]");
}

}  // namespace
}  // namespace tandem
