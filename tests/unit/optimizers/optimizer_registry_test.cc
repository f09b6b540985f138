// get / serialize / deserialize by Keras names, with round trips of every optimizer's config.
#include <gtest/gtest.h>

#include "optimizers/optimizer_reference.h"
#include "tandem/optimizers/adam.h"
#include "tandem/optimizers/ftrl.h"
#include "tandem/optimizers/optimizer.h"
#include "tandem/optimizers/rmsprop.h"
#include "tandem/optimizers/sgd.h"

namespace tandem {
namespace {

namespace opt = optimizers;

TEST(OptimizerRegistry, GetByKerasName) {
  std::vector<std::pair<std::string, std::string>> names = {
      {"sgd", "SGD"},         {"adam", "Adam"},         {"AdamW", "AdamW"},
      {"adagrad", "Adagrad"}, {"adadelta", "Adadelta"}, {"adamax", "Adamax"},
      {"Nadam", "Nadam"},     {"RMSprop", "RMSprop"},   {"ftrl", "Ftrl"}};
  for (const auto& [name, class_name] : names) {
    opt::OptimizerPtr o = opt::get(name);
    EXPECT_EQ(o->class_name(), class_name);
    EXPECT_EQ(o->name(), class_name);
  }
  EXPECT_DOUBLE_EQ(opt::get("sgd")->learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(opt::get("rmsprop")->learning_rate(), 0.001);
  testing::expect_error<ValueError>([] { opt::get("adamm"); },
                                    "Could not interpret optimizer identifier: 'adamm'");
}

TEST(OptimizerRegistry, SerializeRoundTripsEveryOptimizer) {
  for (const char* name :
       {"sgd", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "rmsprop", "ftrl"}) {
    nlohmann::json j = opt::serialize(*opt::get(name));
    opt::OptimizerPtr back = opt::deserialize(j);
    EXPECT_EQ(opt::serialize(*back), j) << name;
  }
}

TEST(OptimizerRegistry, RoundTripKeepsHyperparametersAndSchedules) {
  opt::Adam adam({.learning_rate = std::make_shared<opt::CosineDecay>(0.1, 100, 0.1, 0.5, 10),
                  .beta_1 = 0.8,
                  .amsgrad = true,
                  .clipvalue = 2.0,
                  .name = "adam_1"});
  nlohmann::json j = opt::serialize(adam);
  EXPECT_EQ(j["class_name"], "Adam");
  EXPECT_EQ(j["config"]["name"], "adam_1");
  EXPECT_EQ(j["config"]["clipvalue"], 2.0);
  EXPECT_TRUE(j["config"]["clipnorm"].is_null());
  EXPECT_EQ(j["config"]["learning_rate"]["class_name"], "CosineDecay");
  opt::OptimizerPtr back = opt::deserialize(j);
  EXPECT_TRUE(back->has_schedule());
  EXPECT_EQ(back->name(), "adam_1");
  EXPECT_EQ(back->get_config(), adam.get_config());

  // Equivalent optimizers take equal steps.
  Variable a(constant({1.0, -1.0}), {.name = "a"});
  Variable b(constant({1.0, -1.0}), {.name = "b"});
  for (int i = 0; i < 3; ++i) {
    adam.apply_gradients({{constant({0.3, -2.0}), a}});
    back->apply_gradients({{constant({0.3, -2.0}), b}});
  }
  testing::expect_values(a.value(), b.value().to_vector<double>(), 1e-15);
}

TEST(OptimizerRegistry, ReadsKerasConfigs) {
  // As Keras 2.11 writes them (class name prefixed with "Custom>", EMA fields present).
  nlohmann::json j = nlohmann::json::parse(R"({
    "class_name": "Custom>RMSprop",
    "config": {"name": "RMSprop", "learning_rate": 0.01, "rho": 0.8, "momentum": 0.5,
               "epsilon": 1e-07, "centered": true, "weight_decay": null, "clipnorm": 1.0,
               "global_clipnorm": null, "clipvalue": null, "use_ema": false,
               "ema_momentum": 0.99, "ema_overwrite_frequency": null, "jit_compile": true,
               "is_legacy_optimizer": false}})");
  opt::OptimizerPtr o = opt::deserialize(j);
  EXPECT_EQ(o->class_name(), "RMSprop");
  nlohmann::json c = o->get_config();
  EXPECT_EQ(c["rho"], 0.8);
  EXPECT_EQ(c["momentum"], 0.5);
  EXPECT_EQ(c["centered"], true);
  EXPECT_EQ(c["clipnorm"], 1.0);
  EXPECT_DOUBLE_EQ(o->learning_rate(), 0.01);
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize({{"class_name", "Adam"}, {"config", {{"use_ema", true}}}});
      },
      "use_ema=True");
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize({{"config", {}}});
      },
      "expected {\"class_name\"");
  testing::expect_error<ValueError>(
      [] {
        opt::deserialize({{"class_name", "Ftrl"}, {"config", {{"beta", "x"}}}});
      },
      "bad config for optimizer class 'Ftrl'");
}

}  // namespace
}  // namespace tandem
