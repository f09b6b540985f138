// ZeroPadding2D: conformance, the three padding spellings, and values.
#include "tandem/layers/reshaping/zero_padding2d.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::ZeroPadding2D;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i));
  return Tensor::from_vector(v, shape);
}

TEST(ZeroPadding2D, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<ZeroPadding2D>(ZeroPadding2D::Pair{1, 0},
                                                             ZeroPadding2D::Pair{2, 1},
                                                             LayerOptions{.dtype = float64});
                    },
                .inputs = {sample({2, 3, 3, 2})},
                .expected_output_shapes = {Shape{-1, 4, 6, 2}},
                .bad_input = sample({2, 3, 3}),
                .bad_input_error = "expected input of rank 4, received rank 3"});
}

TEST(ZeroPadding2D, PadsWithZerosAroundEachImage) {
  Tensor x = Tensor::from_vector(std::vector<float>{1, 2}, Shape{1, 1, 2, 1});
  Tensor y = ZeroPadding2D(1)(x);
  EXPECT_EQ(y.shape(), (Shape{1, 3, 4, 1}));
  expect_values(y, {0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0});
  EXPECT_EQ(ZeroPadding2D(ZeroPadding2D::Pair{2, 0})(x).shape(), (Shape{1, 5, 2, 1}));
  EXPECT_EQ(ZeroPadding2D().get_config()["padding"], json::parse("[[1,1],[1,1]]"));
  expect_error<ValueError>([] { ZeroPadding2D(-1); }, "expected non-negative padding");
}

TEST(ZeroPadding2D, ReadsKerasPaddingSpellingsFromConfig) {
  auto layer = layer_from_config(
      {{"class_name", "ZeroPadding2D"}, {"config", {{"name", "zp"}, {"padding", {2, 3}}}}});
  Tensor x = zeros({1, 1, 1, 1});
  EXPECT_EQ((*layer)(x).shape(), (Shape{1, 5, 7, 1}));
}

}  // namespace
}  // namespace tandem
