#include "tandem/metrics/reduce.h"

#include <numeric>
#include <vector>

#include "tandem/metrics/utils.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::metrics {

Reduce::Reduce(std::string class_name, std::string name, DType dtype, Reduction reduction)
    : Metric(std::move(class_name), std::move(name), dtype), reduction_(reduction) {
  total_ = add_weight("total");
  if (reduction_ == Reduction::weighted_mean) count_ = add_weight("count");
}

void Reduce::update_state(const Tensor& values) { accumulate(values, std::nullopt); }

void Reduce::update_state(const Tensor& values, const Tensor& sample_weight) {
  accumulate(values, sample_weight);
}

void Reduce::update_state(const Tensor& values, const std::optional<Tensor>& sample_weight) {
  accumulate(values, sample_weight);
}

void Reduce::update_state(const Tensor& /*y_true*/, const Tensor& /*y_pred*/,
                          const std::optional<Tensor>& /*sample_weight*/) {
  TANDEM_CHECK(false, ValueError, detail::describe(class_name(), name()),
               " is a reduce metric: use update_state(values) or update_state(values, "
               "sample_weight), not update_state(y_true, y_pred, sample_weight)");
}

Tensor Reduce::operator()(const Tensor& values) {
  update_state(values);
  return result();
}

Tensor Reduce::operator()(const Tensor& values, const Tensor& sample_weight) {
  update_state(values, sample_weight);
  return result();
}

void Reduce::accumulate(const Tensor& values_in, const std::optional<Tensor>& sample_weight) {
  Tensor values = detail::cast_to(values_in, dtype());
  if (!sample_weight) {
    total_.assign_add(reduce_sum(values));
    if (reduction_ == Reduction::weighted_mean) {
      count_.assign_add(fill({}, static_cast<double>(values.num_elements()), dtype()));
    }
    return;
  }
  Tensor weight = detail::match_weight_rank(detail::cast_to(*sample_weight, dtype()), values);
  if (!detail::weight_broadcastable(weight.shape(), values.shape())) {
    // Keras: a weight per leading index (e.g. [batch] against [batch, h, w]) first reduces the
    // values over the trailing axes to the weight's rank.
    const std::vector<int64_t> w = weight.shape().as_list();
    const std::vector<int64_t> v = values.shape().as_list();
    const bool prefix = w.size() < v.size() && std::equal(w.begin(), w.end(), v.begin());
    TANDEM_CHECK(prefix, ValueError, detail::describe(class_name(), name()),
                 ": sample_weight of shape ", sample_weight->shape().to_string(),
                 " does not broadcast to the values of shape ", values.shape().to_string());
    std::vector<int64_t> axes(v.size() - w.size());
    std::iota(axes.begin(), axes.end(), static_cast<int64_t>(w.size()));
    values = reduction_ == Reduction::sum ? reduce_sum(values, {.axis = axes})
                                          : reduce_mean(values, {.axis = axes});
  }
  weight =
      detail::broadcast_weight(weight, values, dtype(), detail::describe(class_name(), name()));
  total_.assign_add(reduce_sum(values * weight));
  if (reduction_ == Reduction::weighted_mean) count_.assign_add(reduce_sum(weight));
}

Tensor Reduce::result() const {
  if (reduction_ == Reduction::sum) return total_.value();
  return detail::divide_no_nan(total_.value(), count_.value());
}

Sum::Sum(SumOptions options)
    : Reduce("Sum", std::move(options.name), options.dtype, Reduction::sum) {}

Mean::Mean(MeanOptions options) : Mean("Mean", std::move(options.name), options.dtype) {}

Mean::Mean(std::string class_name, std::string name, DType dtype)
    : Reduce(std::move(class_name), std::move(name), dtype, Reduction::weighted_mean) {}

MeanMetricWrapper::MeanMetricWrapper(MetricFunction fn, std::string name, DType dtype)
    : MeanMetricWrapper("MeanMetricWrapper", std::move(fn), std::move(name), dtype) {}

MeanMetricWrapper::MeanMetricWrapper(std::string class_name, MetricFunction fn, std::string name,
                                     DType dtype)
    : Mean(std::move(class_name), std::move(name), dtype), fn_(std::move(fn)) {
  TANDEM_CHECK(fn_ != nullptr, ValueError, detail::describe(this->class_name(), this->name()),
               " expected a metric function, received an empty one");
}

void MeanMetricWrapper::update_state(const Tensor& y_true, const Tensor& y_pred,
                                     const std::optional<Tensor>& sample_weight) {
  auto [pred, label] =
      detail::squeeze_or_expand(detail::cast_to(y_pred, dtype()), detail::cast_to(y_true, dtype()));
  accumulate(fn_(label, pred), sample_weight);
}

}  // namespace tandem::metrics
