// SyncBatchNormalization on one process: the layer conformance harness, BatchNormalization's
// values and moving statistics, and gradients through the (here trivial) cross-replica sums. The
// multi-replica behaviour is tested under mpirun (tests/mpi/data_parallel_test.cc).
#include "tandem/layers/normalization/sync_batch_normalization.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/gradient_check.h"
#include "testing/layer_conformance.h"

namespace tandem {
namespace {

using layers::BatchNormalization;
using layers::SyncBatchNormalization;
using testing::check_layer_conformance;
using testing::LayerCase;

Tensor sample(const Shape& shape, double phase = 0.0) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return Tensor::from_vector(v, shape);
}

TEST(SyncBatchNormalization, Conformance) {
  check_layer_conformance(LayerCase{
      .make =
          [] {
            return std::make_shared<SyncBatchNormalization>(layers::BatchNormalizationOptions{
                .beta_initializer = initializers::constant(0.2), .layer = {.dtype = float64}});
          },
      .inputs = {sample({4, 2, 3})},
      .expected_output_shapes = {Shape{-1, 2, 3}},
      .bad_input = sample({4, 2, 5}),
      .bad_input_error = "expected input dimension 2 3, received [4,2,5]",
      .stochastic_in_training = true});
}

TEST(SyncBatchNormalization, EqualsBatchNormalizationOnOneProcess) {
  SyncBatchNormalization sync({.layer = {.dtype = float64}});
  BatchNormalization plain({.layer = {.dtype = float64}});
  Tensor x = sample({6, 3, 2}, 0.4);
  testing::expect_values(sync(x, true), plain(x, true).to_vector<double>(), 1e-9);
  testing::expect_values(sync.moving_variance().value(),
                         plain.moving_variance().value().to_vector<double>(), 1e-12);
  testing::expect_values(sync(x, false), plain(x, false).to_vector<double>(), 1e-12);
  EXPECT_EQ(sync.get_config()["momentum"], plain.get_config()["momentum"]);
}

TEST(SyncBatchNormalization, TrainingGradients) {
  SyncBatchNormalization norm({.layer = {.dtype = float64}});
  testing::check_gradients([&](const std::vector<Tensor>& xs) { return norm(xs[0], true); },
                           {sample({5, 3}, 0.3)});
}

}  // namespace
}  // namespace tandem
