// Shape and weight handling shared by the metrics, after Keras's metrics_utils / losses_utils.
#pragma once

#include <optional>
#include <utility>

#include "tandem/core/tensor.h"

namespace tandem::metrics::detail {

// x in `dtype` (the same handle when it already is).
Tensor cast_to(const Tensor& x, DType dtype);

// Keras's squeeze_or_expand_dimensions(y_pred, y_true): when the ranks differ by one and the
// higher-rank one ends in a dimension of 1, that dimension is squeezed. Returns {y_pred, y_true}.
std::pair<Tensor, Tensor> squeeze_or_expand(Tensor y_pred, Tensor y_true);

// Brings a sample weight to the rank of `values` (squeezing or expanding one trailing dimension, as
// Keras does) without broadcasting it.
Tensor match_weight_rank(Tensor weight, const Tensor& values);

// True when `weight` broadcasts to `shape` under tf's broadcast_weights rule: a scalar, or the same
// rank with every dimension 1 or equal.
bool weight_broadcastable(const Shape& weight, const Shape& shape);

// The sample weight (cast to `dtype`) broadcast to `values`' shape; ValueError naming both shapes
// when it cannot be. `who` names the metric in the message.
Tensor broadcast_weight(const Tensor& weight, const Tensor& values, DType dtype,
                        const std::string& who);

// x / y, and 0 where y is 0 (tf.math.divide_no_nan).
Tensor divide_no_nan(const Tensor& x, const Tensor& y);

// "Precision 'precision'": how error messages name a metric.
std::string describe(const std::string& class_name, const std::string& name);

}  // namespace tandem::metrics::detail
