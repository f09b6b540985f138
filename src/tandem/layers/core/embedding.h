// Embedding: maps integer ids in [0, input_dim) to rows of a trainable [input_dim, output_dim]
// matrix (tf.keras.layers.Embedding); [batch, ...] ids -> [batch, ..., output_dim].
#pragma once

#include "tandem/layers/layer.h"

namespace tandem::layers {

struct EmbeddingOptions {
  // Default: random_uniform(-0.05, 0.05), Keras's "uniform".
  initializers::InitializerSpec embeddings_initializer = nullptr;
  RegularizerFn embeddings_regularizer = nullptr;
  ConstraintFn embeddings_constraint = nullptr;
  bool mask_zero = false;  // stored in the config; masks are not propagated
  std::optional<int64_t> input_length = std::nullopt;
  LayerOptions layer = {};
};

class Embedding : public Layer {
 public:
  Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options = {});
  static std::shared_ptr<Layer> from_config(const json& config);

  const Variable& embeddings() const { return embeddings_; }
  void build(const std::vector<Shape>& input_shapes) override;
  json get_config() const override;
  std::vector<Shape> compute_output_shape(const std::vector<Shape>& input_shapes) override;

 protected:
  Tensors call(const Tensors& inputs, const CallContext& ctx) override;
  // Outputs are rows of the embeddings: the layer's dtype, whatever the ids' dtype.
  DType compute_output_dtype(const std::vector<DType>& input_dtypes) const override;

 private:
  int64_t input_dim_, output_dim_;
  EmbeddingOptions options_;
  Variable embeddings_;
};

}  // namespace tandem::layers
