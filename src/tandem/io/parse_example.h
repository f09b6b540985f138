// tf.io.parse_single_example / tf.io.parse_example: serialized tf.train.Example bytes -> tensors,
// driven by a feature spec of FixedLenFeature and VarLenFeature entries.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem::io {

// A feature with a fixed number of values, reshaped to `shape`. dtype is float32 (float_list),
// int64 (int64_list) or string (bytes_list). Without a default the feature is required; a default
// holds shape.num_elements() values or one value that fills the shape.
struct FixedLenFeature {
  Shape shape = {};
  DType dtype = DType::kFloat32;
  std::optional<Tensor> default_value = std::nullopt;
};

// A feature with any number of values. TensorFlow returns a SparseTensor; Tandem returns the values
// densely: a 1-D tensor for one example, and [batch, max_length] padded with 0 / "" for a batch.
struct VarLenFeature {
  DType dtype = DType::kFloat32;
};

using FeatureSpec = std::variant<FixedLenFeature, VarLenFeature>;
using FeatureSpecs = std::map<std::string, FeatureSpec>;
using ParsedFeatures = std::map<std::string, Tensor>;

// Parses one serialized Example. Throws ValueError for bytes that are not an Example, a missing
// required feature or a wrong number of values, and TypeError when a feature's list kind does not
// match the spec's dtype.
ParsedFeatures parse_single_example(std::string_view serialized, const FeatureSpecs& specs);
// The same for a scalar string tensor (the element of a TFRecordDataset).
ParsedFeatures parse_single_example(const Tensor& serialized, const FeatureSpecs& specs);

// Parses a batch: every FixedLenFeature gets a leading batch dimension.
ParsedFeatures parse_example(const std::vector<std::string>& serialized, const FeatureSpecs& specs);
// The same for a 1-D string tensor.
ParsedFeatures parse_example(const Tensor& serialized, const FeatureSpecs& specs);

}  // namespace tandem::io
