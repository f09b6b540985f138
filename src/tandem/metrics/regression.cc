#include "tandem/metrics/regression.h"

#include "tandem/metrics/utils.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::metrics {
namespace {

Tensor mean_last_axis(const Tensor& x) {
  if (x.rank() == 0) return x;
  return reduce_mean(x, {.axis = std::vector<int64_t>{x.rank() - 1}});
}

// tf.math.l2_normalize: x / sqrt(max(sum(x^2), 1e-12)) along `axis`.
Tensor l2_normalize(const Tensor& x, int64_t axis) {
  Tensor sq = reduce_sum(square(x), {.axis = std::vector<int64_t>{axis}, .keepdims = true});
  return x * rsqrt(maximum(sq, fill(sq.shape(), 1e-12, sq.dtype(), sq.device())));
}

}  // namespace

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  return mean_last_axis(squared_difference(y_pred, detail::cast_to(y_true, y_pred.dtype())));
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  return mean_last_axis(abs(y_pred - detail::cast_to(y_true, y_pred.dtype())));
}

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, int64_t axis) {
  Tensor t = l2_normalize(detail::cast_to(y_true, y_pred.dtype()), axis);
  Tensor p = l2_normalize(y_pred, axis);
  return reduce_sum(t * p, {.axis = std::vector<int64_t>{axis}});
}

MeanSquaredError::MeanSquaredError(MeanSquaredErrorOptions options)
    : MeanMetricWrapper("MeanSquaredError", mean_squared_error, std::move(options.name),
                        options.dtype) {}

MeanAbsoluteError::MeanAbsoluteError(MeanAbsoluteErrorOptions options)
    : MeanMetricWrapper("MeanAbsoluteError", mean_absolute_error, std::move(options.name),
                        options.dtype) {}

RootMeanSquaredError::RootMeanSquaredError(RootMeanSquaredErrorOptions options)
    : Mean("RootMeanSquaredError", std::move(options.name), options.dtype) {}

void RootMeanSquaredError::update_state(const Tensor& y_true, const Tensor& y_pred,
                                        const std::optional<Tensor>& sample_weight) {
  auto [pred, label] =
      detail::squeeze_or_expand(detail::cast_to(y_pred, dtype()), detail::cast_to(y_true, dtype()));
  accumulate(squared_difference(pred, label), sample_weight);
}

Tensor RootMeanSquaredError::result() const {
  return sqrt(detail::divide_no_nan(total().value(), count().value()));
}

CosineSimilarity::CosineSimilarity(CosineSimilarityOptions options)
    : MeanMetricWrapper(
          "CosineSimilarity",
          [axis = options.axis](const Tensor& y_true, const Tensor& y_pred) {
            return cosine_similarity(y_true, y_pred, axis);
          },
          std::move(options.name), options.dtype),
      axis_(options.axis) {}

nlohmann::json CosineSimilarity::get_config() const {
  nlohmann::json config = MeanMetricWrapper::get_config();
  config["axis"] = axis_;
  return config;
}

}  // namespace tandem::metrics
