#include "tandem/metrics/confusion.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>

#include "tandem/metrics/utils.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"
#include "tandem/ops/sorting.h"

namespace tandem::metrics {
namespace {

// Keras's NEG_INF: predictions dropped by top_k, and the threshold that counts everything kept.
constexpr double kNegInf = -1e10;
// Keras's backend epsilon, the margin of AUC's end thresholds.
constexpr double kEpsilon = 1e-7;

// The variables one update adds to; null ones are skipped.
struct ConfusionTargets {
  Variable* tp = nullptr;
  Variable* fp = nullptr;
  Variable* tn = nullptr;
  Variable* fn = nullptr;
};

struct ConfusionSlice {
  std::optional<int64_t> top_k = std::nullopt;
  std::optional<int64_t> class_id = std::nullopt;
};

// Keras's _filter_top_k: keeps the k largest values of each row, the rest become kNegInf.
Tensor filter_top_k(const Tensor& x, int64_t k, const std::string& who) {
  const int64_t classes = x.rank() > 0 ? x.shape().dim(-1) : 1;
  TANDEM_CHECK(x.rank() > 0 && k >= 1 && k <= classes, ValueError, who,
               " expected 1 <= top_k <= the last dimension of y_pred, received top_k ", k,
               " and y_pred of shape ", x.shape().to_string());
  TopK top = top_k(x, k);
  Tensor mask = reduce_sum(one_hot(top.indices, classes, {.dtype = x.dtype()}),
                           {.axis = std::vector<int64_t>{x.rank() - 1}});
  return x * mask + (1.0 - mask) * kNegInf;
}

// Keras asserts predictions in [0, 1]; this reads two scalars back from the device.
void check_prediction_range(const Tensor& pred, const std::string& who) {
  if (pred.num_elements() == 0) return;
  const double lo = reduce_min(pred).item<double>();
  const double hi = reduce_max(pred).item<double>();
  TANDEM_CHECK(lo >= 0 && hi <= 1, ValueError, who, " expected predictions in [0, 1], received ",
               "values in [", lo, ", ", hi, "]");
}

Tensor take_class(const Tensor& x, int64_t class_id, const std::string& who) {
  TANDEM_CHECK(x.rank() > 0 && class_id >= 0 && class_id < x.shape().dim(-1), ValueError, who,
               " expected class_id in [0, last dimension of y_pred), received class_id ", class_id,
               " and y_pred of shape ", x.shape().to_string());
  Tensor index = fill({}, static_cast<double>(class_id), int64, x.device());
  return gather(x, index, {.axis = x.rank() - 1});
}

// Keras's update_confusion_matrix_variables: adds this batch's weighted confusion counts at each
// threshold (a [num_thresholds] float32 tensor) to the target variables.
void update_confusion(const std::string& who, const ConfusionTargets& targets, const Tensor& y_true,
                      const Tensor& y_pred, const Tensor& thresholds, const ConfusionSlice& slice,
                      const std::optional<Tensor>& sample_weight) {
  Tensor pred = detail::cast_to(y_pred, float32);
  Tensor label = detail::cast_to(y_true, float32);
  check_prediction_range(pred, who);
  std::tie(pred, label) = detail::squeeze_or_expand(pred, label);
  TANDEM_CHECK(pred.shape() == label.shape(), ValueError, who,
               " expected y_true and y_pred of the same shape, received ",
               y_true.shape().to_string(), " and ", y_pred.shape().to_string());
  if (slice.top_k) pred = filter_top_k(pred, *slice.top_k, who);
  if (slice.class_id) {
    pred = take_class(pred, *slice.class_id, who);
    label = take_class(label, *slice.class_id, who);
  }
  const int64_t n = pred.num_elements();
  const int64_t t = thresholds.num_elements();
  Tensor pred_pos = greater(reshape(pred, Shape{1, n}), reshape(thresholds, Shape{t, 1}));
  Tensor flat_label = reshape(label, Shape{1, n});
  Tensor label_pos = not_equal(flat_label, zeros_like(flat_label));
  std::optional<Tensor> weight;
  if (sample_weight) {
    weight = reshape(detail::broadcast_weight(*sample_weight, pred, float32, who), Shape{1, n});
  }
  auto count = [&](const Tensor& label_mask, const Tensor& pred_mask, Variable* var) {
    if (var == nullptr) return;
    Tensor hits = cast(logical_and(label_mask, pred_mask), float32);  // [t, n]
    if (weight) hits = hits * *weight;
    Tensor sums = reduce_sum(hits, {.axis = std::vector<int64_t>{1}});
    var->assign_add(detail::cast_to(sums, var->dtype()));
  };
  Tensor label_neg = logical_not(label_pos);
  Tensor pred_neg = logical_not(pred_pos);
  count(label_pos, pred_pos, targets.tp);
  count(label_neg, pred_pos, targets.fp);
  count(label_neg, pred_neg, targets.tn);
  count(label_pos, pred_neg, targets.fn);
}

// Precision's and Recall's thresholds: the given ones (each in [0, 1]), else 0.5, or kNegInf with
// top_k so that everything top_k keeps counts as predicted positive.
std::vector<double> init_thresholds(const std::vector<double>& given, bool top_k,
                                    const std::string& who) {
  for (double t : given) {
    TANDEM_CHECK(t >= 0 && t <= 1, ValueError, who, " expected thresholds in [0, 1], received ", t);
  }
  if (!given.empty()) return given;
  return {top_k ? kNegInf : 0.5};
}

Tensor thresholds_tensor(const std::vector<double>& values) {
  return cast(Tensor::from_vector(values, Shape{static_cast<int64_t>(values.size())}), float32);
}

// A one-threshold result is a scalar, as in Keras.
Tensor squeeze_single(const Tensor& x) { return x.num_elements() == 1 ? reshape(x, Shape{}) : x; }

nlohmann::json thresholds_config(const std::vector<double>& given) {
  if (given.empty()) return nullptr;
  if (given.size() == 1) return given[0];
  return given;
}

template <class T>
nlohmann::json optional_config(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::vector<double> safe_ratio(const std::vector<double>& num, const std::vector<double>& a,
                               const std::vector<double>& b) {
  std::vector<double> out(num.size());
  for (size_t i = 0; i < num.size(); ++i) {
    const double den = a[i] + b[i];
    out[i] = den == 0 ? 0.0 : num[i] / den;
  }
  return out;
}

double divide_no_nan(double x, double y) { return y == 0 ? 0.0 : x / y; }

}  // namespace

// ---- Precision ----------------------------------------------------------------------------------

Precision::Precision(PrecisionOptions options)
    : Metric("Precision", options.name, options.dtype), options_(std::move(options)) {
  const auto values = init_thresholds(options_.thresholds, options_.top_k.has_value(),
                                      detail::describe(class_name(), name()));
  thresholds_ = thresholds_tensor(values);
  const Shape shape{static_cast<int64_t>(values.size())};
  true_positives_ = add_weight("true_positives", shape);
  false_positives_ = add_weight("false_positives", shape);
}

void Precision::update_state(const Tensor& y_true, const Tensor& y_pred,
                             const std::optional<Tensor>& sample_weight) {
  update_confusion(detail::describe(class_name(), name()),
                   {.tp = &true_positives_, .fp = &false_positives_}, y_true, y_pred, thresholds_,
                   {.top_k = options_.top_k, .class_id = options_.class_id}, sample_weight);
}

Tensor Precision::result() const {
  Tensor tp = true_positives_.value();
  return squeeze_single(detail::divide_no_nan(tp, tp + false_positives_.value()));
}

nlohmann::json Precision::get_config() const {
  nlohmann::json config = Metric::get_config();
  config["thresholds"] = thresholds_config(options_.thresholds);
  config["top_k"] = optional_config(options_.top_k);
  config["class_id"] = optional_config(options_.class_id);
  return config;
}

// ---- Recall -------------------------------------------------------------------------------------

Recall::Recall(RecallOptions options)
    : Metric("Recall", options.name, options.dtype), options_(std::move(options)) {
  const auto values = init_thresholds(options_.thresholds, options_.top_k.has_value(),
                                      detail::describe(class_name(), name()));
  thresholds_ = thresholds_tensor(values);
  const Shape shape{static_cast<int64_t>(values.size())};
  true_positives_ = add_weight("true_positives", shape);
  false_negatives_ = add_weight("false_negatives", shape);
}

void Recall::update_state(const Tensor& y_true, const Tensor& y_pred,
                          const std::optional<Tensor>& sample_weight) {
  update_confusion(detail::describe(class_name(), name()),
                   {.tp = &true_positives_, .fn = &false_negatives_}, y_true, y_pred, thresholds_,
                   {.top_k = options_.top_k, .class_id = options_.class_id}, sample_weight);
}

Tensor Recall::result() const {
  Tensor tp = true_positives_.value();
  return squeeze_single(detail::divide_no_nan(tp, tp + false_negatives_.value()));
}

nlohmann::json Recall::get_config() const {
  nlohmann::json config = Metric::get_config();
  config["thresholds"] = thresholds_config(options_.thresholds);
  config["top_k"] = optional_config(options_.top_k);
  config["class_id"] = optional_config(options_.class_id);
  return config;
}

// ---- AUC ----------------------------------------------------------------------------------------

AUC::AUC(AUCOptions options)
    : Metric("AUC", options.name, options.dtype), options_(std::move(options)) {
  const std::string who = detail::describe(class_name(), name());
  std::string& curve = options_.curve;
  std::transform(curve.begin(), curve.end(), curve.begin(), ::toupper);
  TANDEM_CHECK(curve == "ROC" || curve == "PR", ValueError, who,
               " expected curve \"ROC\" or \"PR\", received \"", options_.curve, "\"");
  std::string& method = options_.summation_method;
  std::transform(method.begin(), method.end(), method.begin(), ::tolower);
  TANDEM_CHECK(method == "interpolation" || method == "minoring" || method == "majoring",
               ValueError, who,
               " expected summation_method \"interpolation\", \"minoring\" or \"majoring\", "
               "received \"",
               options_.summation_method, "\"");
  std::vector<double> inner = options_.thresholds;
  if (inner.empty()) {
    TANDEM_CHECK(options_.num_thresholds > 1, ValueError, who,
                 " expected num_thresholds > 1, received ", options_.num_thresholds);
    for (int64_t i = 1; i < options_.num_thresholds - 1; ++i) {
      inner.push_back(static_cast<double>(i) / static_cast<double>(options_.num_thresholds - 1));
    }
  } else {
    for (double t : inner) {
      TANDEM_CHECK(t >= 0 && t <= 1, ValueError, who, " expected thresholds in [0, 1], received ",
                   t);
    }
    options_.num_thresholds = static_cast<int64_t>(inner.size()) + 2;
  }
  thresholds_.push_back(0.0 - kEpsilon);
  thresholds_.insert(thresholds_.end(), inner.begin(), inner.end());
  thresholds_.push_back(1.0 + kEpsilon);
  thresholds_tensor_ = thresholds_tensor(thresholds_);
  const Shape shape{options_.num_thresholds};
  true_positives_ = add_weight("true_positives", shape);
  true_negatives_ = add_weight("true_negatives", shape);
  false_positives_ = add_weight("false_positives", shape);
  false_negatives_ = add_weight("false_negatives", shape);
}

void AUC::update_state(const Tensor& y_true, const Tensor& y_pred,
                       const std::optional<Tensor>& sample_weight) {
  update_confusion(detail::describe(class_name(), name()),
                   {.tp = &true_positives_,
                    .fp = &false_positives_,
                    .tn = &true_negatives_,
                    .fn = &false_negatives_},
                   y_true, y_pred, thresholds_tensor_, {}, sample_weight);
}

// Davis & Goadrich's interpolation of precision between thresholds, as Keras's
// interpolate_pr_auc: precision is linear in tp within each bucket.
double AUC::interpolate_pr_auc() const {
  const auto tp = true_positives_.value().to_vector<double>();
  const auto fp = false_positives_.value().to_vector<double>();
  const auto fn = false_negatives_.value().to_vector<double>();
  double auc = 0;
  for (size_t i = 0; i + 1 < tp.size(); ++i) {
    const double dtp = tp[i] - tp[i + 1];
    const double p0 = tp[i] + fp[i];
    const double p1 = tp[i + 1] + fp[i + 1];
    const double slope = divide_no_nan(dtp, std::max(p0 - p1, 0.0));
    const double intercept = tp[i + 1] - slope * p1;
    const double ratio = (p0 > 0 && p1 > 0) ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
    auc += divide_no_nan(slope * (dtp + intercept * std::log(ratio)),
                         std::max(tp[i + 1] + fn[i + 1], 0.0));
  }
  return auc;
}

Tensor AUC::result() const {
  const std::string& method = options_.summation_method;
  double auc = 0;
  if (options_.curve == "PR" && method == "interpolation") {
    auc = interpolate_pr_auc();
  } else {
    const auto tp = true_positives_.value().to_vector<double>();
    const auto fp = false_positives_.value().to_vector<double>();
    const auto tn = true_negatives_.value().to_vector<double>();
    const auto fn = false_negatives_.value().to_vector<double>();
    const auto recall = safe_ratio(tp, tp, fn);
    std::vector<double> x, y;
    if (options_.curve == "ROC") {
      x = safe_ratio(fp, fp, tn);  // false positive rate
      y = recall;
    } else {
      x = recall;
      y = safe_ratio(tp, tp, fp);  // precision
    }
    for (size_t i = 0; i + 1 < x.size(); ++i) {
      double height = (y[i] + y[i + 1]) / 2;
      if (method == "minoring") height = std::min(y[i], y[i + 1]);
      if (method == "majoring") height = std::max(y[i], y[i + 1]);
      auc += (x[i] - x[i + 1]) * height;
    }
  }
  return fill({}, auc, dtype(), true_positives_.device());
}

nlohmann::json AUC::get_config() const {
  nlohmann::json config = Metric::get_config();
  config["num_thresholds"] = options_.num_thresholds;
  config["curve"] = options_.curve;
  config["summation_method"] = options_.summation_method;
  config["multi_label"] = false;
  config["label_weights"] = nullptr;
  // As Keras: explicit thresholds are saved (without the end points), the even default is not.
  if (!options_.thresholds.empty()) config["thresholds"] = options_.thresholds;
  return config;
}

}  // namespace tandem::metrics
