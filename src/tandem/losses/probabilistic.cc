#include "tandem/losses/probabilistic.h"

#include <numeric>
#include <optional>
#include <vector>

#include "tandem/activations/keras_logits.h"
#include "tandem/losses/loss_utils.h"
#include "tandem/ops/cross_entropy.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::losses {

using detail::kEpsilon;
using detail::mean_over;
using detail::prepare;
using detail::scalar_like;
using detail::sum_over;

namespace {

int64_t checked_axis(const std::string& who, int64_t axis, int rank) {
  TANDEM_CHECK(axis >= -rank && axis < rank, ValueError, who, " expected axis in [", -rank, ", ",
               rank, ") for y_pred of rank ", rank, ", received ", axis);
  return axis < 0 ? axis + rank : axis;
}

// Keras's _keras_logits (activations/keras_logits.h): probabilities that the softmax / sigmoid
// activation made over the axis the loss reduces are replaced by that activation's logits, and the
// loss runs from logits (one fused kernel each way, no clipping).
std::optional<Tensor> activation_logits(const Tensor& y_pred, activations::LogitsOf kind,
                                        int64_t axis) {
  if (!y_pred.defined() || y_pred.rank() == 0) return std::nullopt;
  if (kind == activations::LogitsOf::kSoftmax && axis != -1 && axis != y_pred.rank() - 1) {
    return std::nullopt;  // a softmax over the last axis says nothing about another one
  }
  return activations::remembered_logits(y_pred, kind);
}

Tensor bce_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred_in,
                bool from_logits, double label_smoothing, int64_t axis) {
  detail::check_label_smoothing(who, label_smoothing);
  Tensor y_pred = y_pred_in;
  if (!from_logits) {
    if (std::optional<Tensor> logits =
            activation_logits(y_pred, activations::LogitsOf::kSigmoid, axis)) {
      y_pred = *logits;
      from_logits = true;
    }
  }
  auto [t, p] = prepare(who, y_true, y_pred);
  axis = checked_axis(who, axis, p.rank());
  if (label_smoothing > 0) t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing;
  if (from_logits) return mean_over(sigmoid_cross_entropy_with_logits(t, p), axis);
  // Keras clips and then still adds epsilon inside the logs; the numbers follow it exactly.
  p = clip_by_value(p, kEpsilon, 1.0 - kEpsilon);
  Tensor log_likelihood = t * log(p + kEpsilon) + (1.0 - t) * log(1.0 - p + kEpsilon);
  return mean_over(-log_likelihood, axis);
}

Tensor cce_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred_in,
                bool from_logits, double label_smoothing, int64_t axis) {
  detail::check_label_smoothing(who, label_smoothing);
  Tensor y_pred = y_pred_in;
  if (!from_logits) {
    if (std::optional<Tensor> logits =
            activation_logits(y_pred, activations::LogitsOf::kSoftmax, axis)) {
      y_pred = *logits;
      from_logits = true;
    }
  }
  auto [t, p] = prepare(who, y_true, y_pred);
  axis = checked_axis(who, axis, p.rank());
  if (label_smoothing > 0) {
    double num_classes = static_cast<double>(p.shape()[static_cast<int>(axis)]);
    t = t * (1.0 - label_smoothing) + label_smoothing / num_classes;
  }
  if (from_logits) return softmax_cross_entropy_with_logits(t, p, axis);
  p = p / sum_over(p, axis, /*keepdims=*/true);
  p = clip_by_value(p, kEpsilon, 1.0 - kEpsilon);
  return -sum_over(t * log(p), axis);
}

// The labels as int64 of y_pred's shape without its class axis (which is last by now).
Tensor sparse_labels(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  TANDEM_CHECK(y_true.defined(), ValueError, who, " expected a defined y_true tensor");
  TANDEM_CHECK(is_floating(y_true.dtype()) || is_integer(y_true.dtype()), TypeError, who,
               " expected integer or floating class labels, received dtype ",
               dtype_name(y_true.dtype()));
  std::vector<int64_t> batch_dims(y_pred.shape().dims().begin(), y_pred.shape().dims().end() - 1);
  Shape batch_shape(batch_dims);
  std::vector<int64_t> with_one = batch_dims;
  with_one.push_back(1);
  TANDEM_CHECK(y_true.shape() == batch_shape || y_true.shape() == Shape(with_one), ShapeError, who,
               " expected y_true of shape ", detail::shape_list(batch_shape), " or ",
               detail::shape_list(Shape(with_one)), " (one class index per example) for y_pred of ",
               "shape ", detail::shape_list(y_pred.shape()), ", received ",
               detail::shape_list(y_true.shape()));
  Tensor labels = y_true.dtype() == int64 ? y_true : cast(y_true, int64);
  return reshape(labels, batch_shape);
}

// y_pred with its class axis moved last (a no-op for the usual axis=-1).
Tensor classes_last(const std::string& who, const Tensor& y_pred, int64_t axis) {
  int rank = y_pred.rank();
  axis = checked_axis(who, axis, rank);
  if (axis == rank - 1) return y_pred;
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) perm.push_back(d);
  perm.push_back(axis);
  return transpose(y_pred, perm);
}

Tensor scce_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred,
                 bool from_logits, int64_t axis, std::optional<int64_t> ignore_class) {
  detail::check_prediction(who, y_pred);
  TANDEM_CHECK(y_pred.rank() >= 1, ShapeError, who,
               " expected y_pred with a class axis, received shape ",
               detail::shape_list(y_pred.shape()));
  if (!from_logits) {
    if (std::optional<Tensor> logits =
            activation_logits(y_pred, activations::LogitsOf::kSoftmax, axis)) {
      return scce_impl(who, y_true, *logits, /*from_logits=*/true, axis, ignore_class);
    }
  }
  Tensor p = classes_last(who, y_pred, axis);
  Tensor labels = sparse_labels(who, y_true, p);
  // On probabilities: log(clip(p)) as logits. Softmax of log-probabilities renormalises them, as
  // Keras's sparse path does.
  Tensor logits = from_logits ? p : log(clip_by_value(p, kEpsilon, 1.0 - kEpsilon));
  if (!ignore_class) return sparse_softmax_cross_entropy_with_logits(labels, logits);
  Tensor valid = labels != static_cast<double>(*ignore_class);
  // Ignored positions get a harmless class 0 and then a loss of 0 (and no gradient).
  Tensor safe_labels = where(valid, labels, scalar_like(0, labels));
  Tensor losses = sparse_softmax_cross_entropy_with_logits(safe_labels, logits);
  return where(valid, losses, scalar_like(0, losses));
}

Tensor kld_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  t = clip_by_value(t, kEpsilon, 1.0);
  p = clip_by_value(p, kEpsilon, 1.0);
  return sum_over(t * log(t / p), -1);
}

Tensor poisson_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  return mean_over(p - t * log(p + kEpsilon), -1);
}

}  // namespace

BinaryCrossentropy::BinaryCrossentropy(BinaryCrossentropyOptions options)
    : Loss("BinaryCrossentropy", "binary_crossentropy",
           {.reduction = options.reduction, .name = options.name}),
      from_logits_(options.from_logits),
      label_smoothing_(options.label_smoothing),
      axis_(options.axis) {
  detail::check_label_smoothing(class_name(), label_smoothing_);
}
Tensor BinaryCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  return bce_impl(class_name(), y_true, y_pred, from_logits_, label_smoothing_, axis_);
}
nlohmann::json BinaryCrossentropy::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["from_logits"] = from_logits_;
  config["label_smoothing"] = label_smoothing_;
  config["axis"] = axis_;
  return config;
}

CategoricalCrossentropy::CategoricalCrossentropy(CategoricalCrossentropyOptions options)
    : Loss("CategoricalCrossentropy", "categorical_crossentropy",
           {.reduction = options.reduction, .name = options.name}),
      from_logits_(options.from_logits),
      label_smoothing_(options.label_smoothing),
      axis_(options.axis) {
  detail::check_label_smoothing(class_name(), label_smoothing_);
}
Tensor CategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  return cce_impl(class_name(), y_true, y_pred, from_logits_, label_smoothing_, axis_);
}
nlohmann::json CategoricalCrossentropy::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["from_logits"] = from_logits_;
  config["label_smoothing"] = label_smoothing_;
  config["axis"] = axis_;
  return config;
}

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(
    SparseCategoricalCrossentropyOptions options)
    : Loss("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
           {.reduction = options.reduction, .name = options.name}),
      from_logits_(options.from_logits),
      ignore_class_(options.ignore_class) {}
Tensor SparseCategoricalCrossentropy::call(const Tensor& y_true, const Tensor& y_pred) const {
  return scce_impl(class_name(), y_true, y_pred, from_logits_, -1, ignore_class_);
}
std::optional<Tensor> SparseCategoricalCrossentropy::valid_mask(const Tensor& y_true,
                                                                const Tensor& y_pred) const {
  if (!ignore_class_) return std::nullopt;
  Tensor labels = sparse_labels(class_name(), y_true, y_pred);
  return labels != static_cast<double>(*ignore_class_);
}
nlohmann::json SparseCategoricalCrossentropy::get_config() const {
  nlohmann::json config = Loss::get_config();
  config["from_logits"] = from_logits_;
  config["ignore_class"] = ignore_class_ ? nlohmann::json(*ignore_class_) : nlohmann::json(nullptr);
  return config;
}

KLDivergence::KLDivergence(LossOptions options)
    : Loss("KLDivergence", "kl_divergence", std::move(options)) {}
Tensor KLDivergence::call(const Tensor& y_true, const Tensor& y_pred) const {
  return kld_impl(class_name(), y_true, y_pred);
}

Poisson::Poisson(LossOptions options) : Loss("Poisson", "poisson", std::move(options)) {}
Tensor Poisson::call(const Tensor& y_true, const Tensor& y_pred) const {
  return poisson_impl(class_name(), y_true, y_pred);
}

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                           double label_smoothing, int64_t axis) {
  return bce_impl("binary_crossentropy", y_true, y_pred, from_logits, label_smoothing, axis);
}
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                double label_smoothing, int64_t axis) {
  return cce_impl("categorical_crossentropy", y_true, y_pred, from_logits, label_smoothing, axis);
}
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       int64_t axis, std::optional<int64_t> ignore_class) {
  return scce_impl("sparse_categorical_crossentropy", y_true, y_pred, from_logits, axis,
                   ignore_class);
}
Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred) {
  return kld_impl("kl_divergence", y_true, y_pred);
}
Tensor poisson(const Tensor& y_true, const Tensor& y_pred) {
  return poisson_impl("poisson", y_true, y_pred);
}

}  // namespace tandem::losses
