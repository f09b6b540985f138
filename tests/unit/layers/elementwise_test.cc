// Subtract, Multiply, Average, Maximum and Minimum: conformance, values and input checks.
#include "tandem/layers/merging/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

Tensor row(std::vector<double> v) {
  Shape s{1, static_cast<int64_t>(v.size())};
  return Tensor::from_vector(v, s);
}

const LayerOptions kF64 = {.dtype = float64};

template <class L>
void conformance(int inputs, std::string bad_error) {
  std::vector<Tensor> xs;
  for (int i = 0; i < inputs; ++i) xs.push_back(sample({2, 3}, 0.9 * i));
  check_layer_conformance(LayerCase{.make = [] { return std::make_shared<L>(kF64); },
                                    .inputs = xs,
                                    .expected_output_shapes = {Shape{-1, 3}},
                                    .bad_input = sample({2, 3}),
                                    .bad_input_error = bad_error});
}

TEST(Subtract, Conformance) {
  conformance<layers::Subtract>(2, "expects a list of exactly 2 inputs, received 1");
}
TEST(Multiply, Conformance) {
  conformance<layers::Multiply>(3, "expects a list of at least 2 inputs, received 1");
}
TEST(Average, Conformance) { conformance<layers::Average>(2, "at least 2 inputs"); }
TEST(Maximum, Conformance) { conformance<layers::Maximum>(2, "at least 2 inputs"); }
TEST(Minimum, Conformance) { conformance<layers::Minimum>(3, "at least 2 inputs"); }

TEST(ElementwiseMerge, HandComputedValues) {
  Tensors xs = {row({1, 5, -2}), row({3, 2, -4}), row({2, 2, 3})};
  expect_values(layers::Subtract()(Tensors{xs[0], xs[1]})[0], {-2, 3, 2});
  expect_values(layers::Multiply()(xs)[0], {6, 20, 24});
  expect_values(layers::Average()(xs)[0], {2, 3, -1}, 1e-12);
  expect_values(layers::Maximum()(xs)[0], {3, 5, 3});
  expect_values(layers::Minimum()(xs)[0], {1, 2, -4});
}

TEST(ElementwiseMerge, RejectsMismatchedShapesAndExtraInputs) {
  expect_error<ShapeError>(
      [] {
        layers::Maximum()(Tensors{row({1, 2}), row({1, 2, 3})});
      },
      "Maximum 'maximum");
  expect_error<ShapeError>(
      [] {
        layers::Average()(Tensors{row({1, 2}), row({1, 2, 3})});
      },
      "expects inputs of one shape, received [1,2] and [1,3]");
  expect_error<ValueError>(
      [] {
        layers::Subtract()(Tensors{row({1}), row({1}), row({1})});
      },
      "exactly 2 inputs, received 3");
}

}  // namespace
}  // namespace tandem
