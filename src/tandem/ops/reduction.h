// Reductions (tf.reduce_sum, ...) and the ops built on them: arg-reductions, cumsum, softmax,
// logsumexp, norm. Sorting (top_k, sort, argsort) lives in sorting.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

struct ReduceOptions {
  // Axes to reduce; std::nullopt reduces all of them (TensorFlow's axis=None). An empty list
  // reduces none. Negative axes count from the end; an axis may appear once.
  std::optional<std::vector<int64_t>> axis = std::nullopt;
  bool keepdims = false;
};

Tensor reduce_sum(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_mean(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_max(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_min(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_prod(const Tensor& x, const ReduceOptions& options = {});
Tensor reduce_any(const Tensor& x, const ReduceOptions& options = {});  // bool input
Tensor reduce_all(const Tensor& x, const ReduceOptions& options = {});  // bool input
// log(sum(exp(x))) over the axes, computed as max + log(sum(exp(x - max))) so it never overflows.
Tensor reduce_logsumexp(const Tensor& x, const ReduceOptions& options = {});

// Index of the largest (smallest) value along `axis`; the first one on ties. output_type is int64
// (the default, as in tf.math.argmax) or int32.
Tensor argmax(const Tensor& input, int64_t axis = 0, DType output_type = int64);
Tensor argmin(const Tensor& input, int64_t axis = 0, DType output_type = int64);

// Cumulative sum along `axis` (tf.math.cumsum): `exclusive` leaves each element out of its own sum,
// `reverse` sums from the end.
Tensor cumsum(const Tensor& x, int64_t axis = 0, bool exclusive = false, bool reverse = false);

// tf.nn.softmax / tf.nn.log_softmax along `axis`, numerically stable.
Tensor softmax(const Tensor& logits, int64_t axis = -1);
Tensor log_softmax(const Tensor& logits, int64_t axis = -1);

// tf.norm's `ord`: "euclidean" (the default: the 2-norm of vectors, the Frobenius norm of
// matrices), "fro" (matrices only), "inf", or a number: 1, 2, infinity, or any p > 0 for vectors.
struct NormOrder {
  NormOrder(const char* name) : name(name) {}  // NOLINT: implicit, so .ord = "fro" reads well
  NormOrder(std::string name) : name(std::move(name)) {}  // NOLINT
  NormOrder(double p) : p(p) {}                           // NOLINT: .ord = 1 or .ord = INFINITY
  NormOrder(int p) : p(p) {}                              // NOLINT
  std::string name;                                       // empty when the order is the number p
  double p = 0;
};

struct NormOptions {
  NormOrder ord = "euclidean";
  // std::nullopt: every element as one vector; one axis: vector norms along it; two axes: matrix
  // norms over them.
  std::optional<std::vector<int64_t>> axis = std::nullopt;
  bool keepdims = false;
};
// tf.norm. A matrix 2-norm (largest singular value) needs an SVD, which Tandem does not have yet:
// it throws ValueError. Where a norm is 0 its gradient is 0 (not NaN).
Tensor norm(const Tensor& x, const NormOptions& options = {});

}  // namespace tandem
