#include "tandem/layers/normalization/sync_batch_normalization.h"

#include "tandem/distributed/cross_replica.h"
#include "tandem/layers/registry.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::layers {

SyncBatchNormalization::SyncBatchNormalization(BatchNormalizationOptions options)
    : BatchNormalization("SyncBatchNormalization", std::move(options)) {}

std::shared_ptr<Layer> SyncBatchNormalization::from_config(const json& config) {
  return std::make_shared<SyncBatchNormalization>(options_from_json(config));
}

// Sums, sums of squares and counts travel in one all-reduce; the moments follow from them.
Moments SyncBatchNormalization::batch_moments(const Tensor& x) const {
  const std::vector<int64_t>& axes = reduction_axes();
  Tensor sum = reduce_sum(x, {.axis = axes, .keepdims = true});
  Tensor sum_squares = reduce_sum(square(x), {.axis = axes, .keepdims = true});
  const int64_t features = sum.num_elements();
  const int64_t count = x.num_elements() / std::max<int64_t>(features, 1);
  Tensor local = concat({reshape(sum, Shape{-1}), reshape(sum_squares, Shape{-1}),
                         fill(Shape{1}, double(count), x.dtype(), x.device())},
                        0);
  Tensor global = distributed::cross_replica_sum(local);
  Tensor n = global[{Slice(2 * features, 2 * features + 1)}];
  Tensor mean = reshape(global[{Slice(0, features)}] / n, sum.shape());
  Tensor mean_squares = reshape(global[{Slice(features, 2 * features)}] / n, sum.shape());
  return {.mean = mean, .variance = mean_squares - square(mean)};
}

TANDEM_REGISTER_LAYER(SyncBatchNormalization);

}  // namespace tandem::layers
