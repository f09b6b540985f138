// AdamW: Adam's rule after the decoupled weight decay var -= var * wd * lr.
#include "tandem/optimizers/adamw.h"

#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"

namespace tandem {
namespace {

using optimizers::AdamW;
using optimizers::AdamWOptions;
using testing::ReferenceStep;
using testing::Values;

ReferenceStep adamw_reference(double lr, double wd, double b1, double b2, double eps) {
  auto m = std::make_shared<Values>(4, 0.0);
  auto v = std::make_shared<Values>(4, 0.0);
  return [=](Values& w, const Values& g, int t) {
    double alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (size_t i = 0; i < w.size(); ++i) {
      w[i] -= w[i] * wd * lr;
      (*m)[i] += (g[i] - (*m)[i]) * (1 - b1);
      (*v)[i] += (g[i] * g[i] - (*v)[i]) * (1 - b2);
      w[i] -= (*m)[i] * alpha / (std::sqrt((*v)[i]) + eps);
    }
  };
}

TEST(AdamW, DefaultDecay) {
  testing::expect_matches_reference(
      [] { return std::make_shared<AdamW>(AdamWOptions{.learning_rate = 0.05}); },
      [] { return adamw_reference(0.05, 0.004, 0.9, 0.999, 1e-7); });
}

TEST(AdamW, StrongDecay) {
  testing::expect_matches_reference(
      [] {
        return std::make_shared<AdamW>(
            AdamWOptions{.learning_rate = 0.1, .beta_1 = 0.5, .weight_decay = 0.5});
      },
      [] { return adamw_reference(0.1, 0.5, 0.5, 0.999, 1e-7); });
}

TEST(AdamW, ConfigAndMissingDecay) {
  AdamW opt;
  EXPECT_EQ(opt.class_name(), "AdamW");
  EXPECT_EQ(opt.get_config()["weight_decay"], 0.004);
  testing::expect_error<ValueError>([] { AdamW({.weight_decay = std::nullopt}); },
                                    "missing value of `weight_decay`");
}

}  // namespace
}  // namespace tandem
