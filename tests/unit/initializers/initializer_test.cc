#include "tandem/initializers/initializer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tandem/tandem.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;

double max_abs(const Tensor& t) { return reduce_max(abs(cast(t, float64))).item<double>(); }
double stddev(const Tensor& t) {
  Tensor x = cast(t, float64);
  return std::sqrt(reduce_mean(square(x - reduce_mean(x))).item<double>());
}

TEST(Initializers, FansLikeKeras) {
  EXPECT_EQ(initializers::compute_fans(Shape{784, 256}), (std::pair<double, double>{784, 256}));
  // A 3x3 conv kernel from 32 to 64 channels: receptive field 9.
  EXPECT_EQ(initializers::compute_fans(Shape{3, 3, 32, 64}), (std::pair<double, double>{288, 576}));
}

TEST(Initializers, GlorotUniformLimitAndSpread) {
  Tensor w = (*initializers::glorot_uniform(1))(Shape{300, 200}, float32);
  double limit = std::sqrt(6.0 / 500.0);
  EXPECT_LE(max_abs(w), limit);
  EXPECT_GT(max_abs(w), 0.95 * limit);
  EXPECT_NEAR(stddev(w), limit / std::sqrt(3.0), 0.01 * limit);
}

TEST(Initializers, HeNormalIsTruncatedWithTheRightVariance) {
  Tensor w = (*initializers::he_normal(2))(Shape{400, 300}, float64);
  double sd = std::sqrt(2.0 / 400.0);
  EXPECT_NEAR(stddev(w), sd, 0.02 * sd);
  EXPECT_LE(max_abs(w), 2.0 * sd / 0.87962566103423978 + 1e-12);
}

TEST(Initializers, OrthogonalColumnsAreOrthonormal) {
  Tensor q = (*initializers::orthogonal(1.0, 3))(Shape{6, 4}, float64);
  Tensor gram = matmul(q, q, {.transpose_a = true});
  testing::expect_values(gram, eye(4, std::nullopt, float64).to_vector<double>(), 1e-9);
  Tensor wide = (*initializers::orthogonal(2.0, 3))(Shape{3, 5}, float64);
  testing::expect_values(matmul(wide, wide, {.transpose_b = true}),
                         (eye(3, std::nullopt, float64) * 4.0).to_vector<double>(), 1e-9);
}

TEST(Initializers, ByNameAndConfigRoundTrip) {
  EXPECT_EQ(initializers::get("glorot_uniform")->class_name(), "GlorotUniform");
  EXPECT_EQ(initializers::get("GlorotUniform")->class_name(), "GlorotUniform");
  testing::expect_values((*initializers::get("ones"))(Shape{2}, float32), {1, 1});
  auto init = initializers::random_normal(0.5, 2.0, 9);
  json j = initializers::serialize(*init);
  EXPECT_EQ(
      j,
      json::parse(
          R"({"class_name": "RandomNormal", "config": {"mean": 0.5, "stddev": 2.0, "seed": 9}})"));
  auto back = initializers::deserialize(j);
  EXPECT_EQ((*back)(Shape{5}, float32).to_vector<float>(),
            (*init)(Shape{5}, float32).to_vector<float>());
  testing::expect_values((*initializers::constant(3.5))(Shape{2}, float64), {3.5, 3.5});
  expect_error<ValueError>([] { initializers::get("golden"); }, "unknown initializer 'golden'");
  expect_error<TypeError>(
      [] {
        (*initializers::glorot_uniform())(Shape{2, 2}, int32);
      },
      "expected a floating dtype");
}

// kernel_initializer = "he_normal", as Keras layers take initializers by name.
TEST(InitializerSpec, LayersTakeInitializersByName) {
  initializers::InitializerSpec ones = "ones";
  testing::expect_values((*ones)(Shape{2}, float32), {1, 1});
  layers::Dense dense(3, {.kernel_initializer = "he_normal", .bias_initializer = "ones"});
  dense(zeros(Shape{1, 4}));
  EXPECT_EQ(dense.get_config()["kernel_initializer"]["class_name"], "HeNormal");
  testing::expect_values(dense.get_weights()[1], {1, 1, 1});
  // He normal: truncated normal with stddev sqrt(2 / fan_in) / 0.8796..., |w| < 2 stddev.
  double bound = 2 * std::sqrt(2.0 / 4) / .87962566103423978;
  for (float w : dense.get_weights()[0].to_vector<float>()) EXPECT_LT(std::abs(w), bound);
  layers::Conv2D conv(2, {3, 3}, {.kernel_initializer = std::string("zeros")});
  conv(ones_like(zeros(Shape{1, 3, 3, 1})));
  testing::expect_values(conv.get_weights()[0], std::vector<double>(18, 0.0));
  layers::BatchNormalization bn({.gamma_initializer = "zeros"});
  bn(zeros(Shape{2, 2}));
  testing::expect_values(bn.get_weights()[0], {0, 0});
  expect_error<ValueError>([] { layers::Dense(1, {.kernel_initializer = "he_nromal"}); },
                           "he_nromal");
}

TEST(Activations, ByNameCustomAndErrors) {
  Tensor x = constant({-1.0f, 0.0f, 2.0f});
  testing::expect_values(activations::get("relu")(x), {0, 0, 2});
  testing::expect_values(activations::get("linear")(x), {-1, 0, 2});
  EXPECT_TRUE(activations::get("linear").is_linear());
  testing::expect_values(activations::get("softmax")(constant({{0.0f, 0.0f}})), {0.5, 0.5});
  for (const char* name :
       {"sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "swish", "gelu", "exponential"})
    EXPECT_EQ(activations::get(name)(x).shape(), x.shape()) << name;
  activations::register_activation("cube", [](const Tensor& t) { return t * t * t; });
  testing::expect_values(activations::get("cube")(x), {-1, 0, 8});
  expect_error<ValueError>([] { activations::get("sparkle"); }, "unknown activation 'sparkle'");
}

}  // namespace
}  // namespace tandem
