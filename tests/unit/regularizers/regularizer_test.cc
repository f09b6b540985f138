// Regularizers and constraints, alone and through a Dense layer.
#include "tandem/regularizers/regularizer.h"

#include <gtest/gtest.h>

#include "tandem/constraints/constraint.h"
#include "tandem/tandem.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_values;

TEST(Regularizers, PenaltiesAndConfigs) {
  Tensor w = constant({{1.0, -2.0}, {0.5, 0.0}}, float64);
  EXPECT_DOUBLE_EQ(regularizers::l1(0.1)(w).item<double>(), 0.35);
  EXPECT_DOUBLE_EQ(regularizers::l2(0.01)(w).item<double>(), 0.0525);
  EXPECT_DOUBLE_EQ(regularizers::l1_l2(0.1, 0.01)(w).item<double>(), 0.4025);
  json j = regularizers::serialize(regularizers::l2(0.5));
  EXPECT_EQ(j, json::parse(R"({"class_name": "L2", "config": {"l2": 0.5}})"));
  EXPECT_DOUBLE_EQ(regularizers::deserialize(j)(w).item<double>(), 0.5 * 5.25);
  EXPECT_TRUE(regularizers::serialize(nullptr).is_null());
  regularizers::Regularizer custom = [](const Tensor& t) { return reduce_max(abs(t)); };
  EXPECT_DOUBLE_EQ(custom(w).item<double>(), 2.0);
  EXPECT_EQ(custom.class_name(), "Custom");
  expect_error<ValueError>([] { regularizers::get("l3"); },
                           "unknown regularizer class 'l3': pass it in custom_objects");
  expect_error<ValueError>([] { regularizers::l2(-1); }, "strengths must be >= 0");
}

TEST(Constraints, Projections) {
  Tensor w = constant({{3.0, -1.0}, {4.0, 0.5}}, float64);  // column norms 5 and ~1.118
  expect_values(constraints::non_neg()(w), {3, 0, 4, 0.5});
  Tensor m = constraints::max_norm(2.0)(w);
  expect_values(reduce_sum(square(m), {.axis = std::vector<int64_t>{0}}), {4.0, 1.25}, 1e-6);
  Tensor u = constraints::unit_norm()(w);
  expect_values(reduce_sum(square(u), {.axis = std::vector<int64_t>{0}}), {1.0, 1.0}, 1e-6);
  Tensor mm = constraints::min_max_norm(1.5, 2.0)(w);
  expect_values(sqrt(reduce_sum(square(mm), {.axis = std::vector<int64_t>{0}})), {2.0, 1.5}, 1e-6);
  json j = constraints::serialize(constraints::max_norm(3.0, 1));
  EXPECT_EQ(j,
            json::parse(R"({"class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 1}})"));
  EXPECT_EQ(constraints::serialize(constraints::deserialize(j)), j);
  expect_error<ValueError>([] { constraints::get("Square"); }, "unknown constraint class 'Square'");
}

TEST(Regularizers, DenseAddsPenaltiesAndAppliesConstraints) {
  auto dense = std::make_shared<layers::Dense>(
      2, layers::DenseOptions{.kernel_regularizer = regularizers::l2(0.1),
                              .kernel_constraint = constraints::non_neg()});
  Tensor x = ones(Shape{1, 3});
  GradientTape tape;
  Tensor y = reduce_sum((*dense)(x));
  ASSERT_EQ(dense->losses().size(), 1u);
  Tensor kernel = dense->weights()[0].value();
  EXPECT_FLOAT_EQ(dense->losses()[0].item<float>(),
                  0.1f * reduce_sum(square(kernel)).item<float>());
  // The penalty is differentiable: d/dW (0.1 * sum W^2) = 0.2 W.
  auto g = tape.gradient(dense->losses()[0], std::vector<Variable>{dense->weights()[0]});
  expect_values(*g[0], (kernel * 0.2).to_vector<double>(), 1e-6);
  dense->apply_constraints();
  for (float v : dense->weights()[0].value().to_vector<float>()) EXPECT_GE(v, 0.0f);
  // Configs carry both, and rebuild them.
  json config = dense->get_config();
  EXPECT_EQ(config["kernel_regularizer"]["class_name"], "L2");
  EXPECT_EQ(config["kernel_constraint"]["class_name"], "NonNeg");
  auto rebuilt = layer_from_config(serialize_layer(*dense));
  EXPECT_EQ(serialize_layer(*rebuilt), serialize_layer(*dense));
  (void)y;
  // Conv2D shares the kernel/bias config keys.
  layers::Conv2D conv(
      4, 3,
      {.kernel_regularizer = regularizers::l1(0.2), .bias_constraint = constraints::max_norm(1.5)});
  json conv_config = conv.get_config();
  EXPECT_EQ(conv_config["kernel_regularizer"]["class_name"], "L1");
  EXPECT_EQ(conv_config["bias_constraint"]["config"]["max_value"], 1.5);
  EXPECT_EQ(layer_from_config(serialize_layer(conv))->get_config(), conv_config);
}

// A custom regularizer and constraint with hyperparameters: made with a class name and config,
// rebuilt through a registration or custom_objects.
regularizers::Regularizer mean_abs(double factor) {
  return regularizers::Regularizer("MeanAbs", {{"factor", factor}}, [factor](const Tensor& w) {
    return reduce_mean(abs(w)) * factor;
  });
}
TANDEM_REGISTER_REGULARIZER(MeanAbs,
                            [](const json& c) { return mean_abs(c.at("factor").get<double>()); });

constraints::Constraint scaled_down(double factor) {
  return constraints::Constraint("ScaledDown", {{"factor", factor}},
                                 [factor](const Tensor& w) { return w * factor; });
}

TEST(Regularizers, CustomOnesRoundTripWithTheirHyperparameters) {
  Tensor w = constant({{1.0, -3.0}}, float64);
  json j = regularizers::serialize(mean_abs(0.5));
  EXPECT_EQ(j, json::parse(R"({"class_name": "MeanAbs", "config": {"factor": 0.5}})"));
  EXPECT_DOUBLE_EQ(regularizers::deserialize(j)(w).item<double>(), 1.0);

  json c = constraints::serialize(scaled_down(0.25));
  expect_error<ValueError>([&] { constraints::deserialize(c); },
                           "unknown constraint class 'ScaledDown': pass it in custom_objects");
  expect_error<ValueError>([&] { constraints::deserialize(c); },
                           "TANDEM_REGISTER_CONSTRAINT(ScaledDown)");
  const CustomObjects custom = {{"ScaledDown", [](const json& config) {
                                   return scaled_down(config.at("factor").get<double>());
                                 }}};
  {
    CustomObjectScope scope(custom);
    expect_values(constraints::deserialize(c)(w), {0.25, -0.75});
  }
  // Through a layer's config, with custom_objects given to layer_from_config.
  layers::Dense dense(
      2, {.kernel_regularizer = mean_abs(0.125), .kernel_constraint = scaled_down(0.5)});
  auto rebuilt = layer_from_config(serialize_layer(dense), custom);
  EXPECT_EQ(rebuilt->get_config()["kernel_regularizer"]["config"]["factor"], 0.125);
  EXPECT_EQ(rebuilt->get_config()["kernel_constraint"]["config"]["factor"], 0.5);
}

TEST(Regularizers, PlainCallablesWorkButRefuseToBeSaved) {
  regularizers::Regularizer r = [](const Tensor& t) { return reduce_sum(t); };
  expect_error<ValueError>([&] { regularizers::serialize(r); },
                           "a regularizer given as a plain callable cannot be serialized");
  expect_error<ValueError>([&] { regularizers::serialize(r); }, "TANDEM_REGISTER_REGULARIZER");
  constraints::Constraint c = [](const Tensor& t) { return t; };
  layers::Dense dense(2, {.kernel_constraint = c});
  expect_error<ValueError>([&] { dense.get_config(); },
                           "a constraint given as a plain callable cannot be serialized");
}

}  // namespace
}  // namespace tandem
