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
  expect_error<ValueError>([] { regularizers::get("l3"); }, "unknown regularizer 'l3'");
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
  expect_error<ValueError>([] { constraints::get("Square"); }, "unknown constraint 'Square'");
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

}  // namespace
}  // namespace tandem
