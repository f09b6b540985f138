// SyncBatchNormalization (tf.keras.layers.experimental.SyncBatchNormalization): BatchNormalization
// whose training-time mean and variance are those of the global batch, every replica's batch
// together, so N replicas with batch b normalize (and learn) as one process with batch N * b.
// Costs one small all-reduce per layer in forward and one in backward. On one process it is
// BatchNormalization (up to rounding: the variance is taken as E[x^2] - E[x]^2).
#pragma once

#include "tandem/layers/normalization/batch_normalization.h"

namespace tandem::layers {

class SyncBatchNormalization : public BatchNormalization {
 public:
  explicit SyncBatchNormalization(BatchNormalizationOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

 protected:
  Moments batch_moments(const Tensor& x) const override;
  bool batch_moments_are_local() const override { return false; }
};

}  // namespace tandem::layers
