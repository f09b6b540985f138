#include "tandem/layers/core/embedding.h"

#include "tandem/layers/registry.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::layers {

Embedding::Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options)
    : Layer("Embedding", options.layer),
      input_dim_(input_dim),
      output_dim_(output_dim),
      options_(std::move(options)) {
  TANDEM_CHECK(input_dim > 0 && output_dim > 0, ValueError,
               "Embedding: expected input_dim > 0 and output_dim > 0, received input_dim ",
               input_dim, " and output_dim ", output_dim);
  set_autocast(false);  // ids are integers; call() converts float ids itself
}

void Embedding::build(const std::vector<Shape>& input_shapes) {
  embeddings_ = add_weight(
      "embeddings", Shape{input_dim_, output_dim_},
      {.initializer = options_.embeddings_initializer ? options_.embeddings_initializer
                                                      : initializers::random_uniform(-0.05, 0.05),
       .regularizer = options_.embeddings_regularizer,
       .constraint = options_.embeddings_constraint});
  Layer::build(input_shapes);
}

std::vector<Shape> Embedding::compute_output_shape(const std::vector<Shape>& input_shapes) {
  // One row of output_dim values per id.
  std::vector<int64_t> dims = single_input_shape(input_shapes).as_list();
  dims.push_back(output_dim_);
  return {Shape(dims)};
}

DType Embedding::compute_output_dtype(const std::vector<DType>&) const { return dtype(); }

Tensors Embedding::call(const Tensors& inputs, const CallContext&) {
  Tensor ids = inputs[0];
  // Keras casts non-integer ids to int32, so float ids from a generic pipeline still work.
  if (ids.dtype() != int32 && ids.dtype() != int64) {
    TANDEM_CHECK(is_floating(ids.dtype()), TypeError, "Embedding '", name(),
                 "' expected integer ids (int32 or int64), received ", dtype_name(ids.dtype()));
    ids = cast(ids, int32);
  }
  if (ids.shape().num_elements() > 0) {
    int64_t lo = reduce_min(cast(ids, int64)).item<int64_t>();
    int64_t hi = reduce_max(cast(ids, int64)).item<int64_t>();
    TANDEM_CHECK(lo >= 0 && hi < input_dim_, ValueError, "Embedding '", name(),
                 "': expected ids in [0, ", input_dim_, "), received ids in [", lo, ", ", hi, "]");
  }
  return {gather(embeddings_.value(), ids)};
}

json Embedding::get_config() const {
  json config = Layer::get_config();
  config["input_dim"] = input_dim_;
  config["output_dim"] = output_dim_;
  config["embeddings_initializer"] = initializers::serialize(
      options_.embeddings_initializer ? *options_.embeddings_initializer
                                      : *initializers::random_uniform(-0.05, 0.05));
  config["mask_zero"] = options_.mask_zero;
  config["input_length"] = options_.input_length ? json(*options_.input_length) : json(nullptr);
  return config;
}

std::shared_ptr<Layer> Embedding::from_config(const json& config) {
  TANDEM_CHECK(config.contains("input_dim") && config.contains("output_dim"), ValueError,
               "Embedding.from_config: expected 'input_dim' and 'output_dim' in ", config.dump());
  EmbeddingOptions o;
  if (config.contains("embeddings_initializer"))
    o.embeddings_initializer = initializers::deserialize(config["embeddings_initializer"]);
  o.mask_zero = config.value("mask_zero", false);
  if (config.contains("input_length") && !config["input_length"].is_null())
    o.input_length = config["input_length"].get<int64_t>();
  o.layer = options_from_config(config);
  return std::make_shared<Embedding>(config["input_dim"].get<int64_t>(),
                                     config["output_dim"].get<int64_t>(), o);
}

TANDEM_REGISTER_LAYER(Embedding);

}  // namespace tandem::layers
