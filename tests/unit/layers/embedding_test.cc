// Embedding: conformance, row lookup, gradients into the embeddings, and id checks.
#include "tandem/layers/core/embedding.h"

#include <gtest/gtest.h>

#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::Embedding;
using layers::EmbeddingOptions;
using testing::check_layer_conformance;
using testing::expect_error;
using testing::expect_values;
using testing::LayerCase;

Tensor ids(std::vector<int32_t> v, const Shape& shape) { return Tensor::from_vector(v, shape); }

TEST(Embedding, Conformance) {
  check_layer_conformance(
      LayerCase{.make =
                    [] {
                      return std::make_shared<Embedding>(
                          10, 3, EmbeddingOptions{.layer = {.dtype = float64}});
                    },
                .inputs = {ids({1, 4, 9, 0, 4, 2}, {2, 3})},
                .expected_output_shapes = {Shape{-1, 3, 3}},
                .bad_input = ids({3, 10}, {1, 2}),
                .bad_input_error = "expected ids in [0, 10), received ids in [3, 10]"});
}

TEST(Embedding, LooksUpRowsForInt32AndInt64Ids) {
  // Row i of the matrix holds i * 10, i * 10 + 1.
  Embedding embedding(3, 2);
  embedding(ids({0}, {1}));
  embedding.set_weights(
      {Tensor::from_vector(std::vector<float>{0, 1, 10, 11, 20, 21}, Shape{3, 2})});
  Tensor y = embedding(ids({2, 0, 2}, {1, 3}));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 2}));
  expect_values(y, {20, 21, 0, 1, 20, 21});
  expect_values(embedding(Tensor::from_vector(std::vector<int64_t>{1}, Shape{1})), {10, 11});
  EXPECT_EQ(embedding.count_params(), 6);
}

TEST(Embedding, GradientsAccumulateIntoTheLookedUpRows) {
  Embedding embedding(4, 2);
  Tensor x = ids({1, 3, 1}, {3});
  embedding(x);
  GradientTape tape;
  Tensor loss = reduce_sum(embedding(x));
  auto grads = tape.gradient(loss, embedding.trainable_weights());
  ASSERT_TRUE(grads[0].has_value());
  expect_values(*grads[0], {0, 0, 2, 2, 0, 0, 1, 1});
}

TEST(Embedding, ConfigUsesKerasDefaults) {
  Embedding embedding(5, 2);
  json config = embedding.get_config();
  EXPECT_EQ(config["input_dim"], 5);
  EXPECT_EQ(config["output_dim"], 2);
  EXPECT_EQ(config["embeddings_initializer"]["class_name"], "RandomUniform");
  EXPECT_EQ(config["mask_zero"], false);
  expect_error<ValueError>([] { Embedding(0, 2); }, "expected input_dim > 0 and output_dim > 0");
  expect_error<ValueError>([&] { embedding(ids({-1}, {1})); }, "received ids in [-1, -1]");
}

}  // namespace
}  // namespace tandem
