#include "tandem/metrics/iou.h"

#include "tandem/metrics/utils.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::metrics {

MeanIoU::MeanIoU(int64_t num_classes, MeanIoUOptions options)
    : Metric("MeanIoU", options.name, options.dtype),
      num_classes_(num_classes),
      options_(std::move(options)) {
  TANDEM_CHECK(num_classes_ >= 1, ValueError, detail::describe(class_name(), name()),
               " expected num_classes >= 1, received ", num_classes_);
  total_cm_ = add_weight("total_confusion_matrix", Shape{num_classes_, num_classes_}, float64);
}

// Flat int64 class ids; ValueError when one falls outside [0, num_classes).
Tensor MeanIoU::class_ids(const Tensor& x, bool sparse, const char* what) const {
  Tensor ids = x;
  if (!sparse) {
    TANDEM_CHECK(x.rank() >= 1, ValueError, detail::describe(class_name(), name()),
                 " expected dense ", what, " of rank >= 1, received shape ", x.shape().to_string());
    const int64_t axis = options_.axis < 0 ? options_.axis + x.rank() : options_.axis;
    ids = argmax(x, axis);
  }
  return reshape(detail::cast_to(ids, int64), Shape{ids.num_elements()});
}

void MeanIoU::update_state(const Tensor& y_true, const Tensor& y_pred,
                           const std::optional<Tensor>& sample_weight) {
  const std::string who = detail::describe(class_name(), name());
  Tensor labels = class_ids(y_true, options_.sparse_y_true, "y_true");
  Tensor preds = class_ids(y_pred, options_.sparse_y_pred, "y_pred");
  const int64_t n = labels.num_elements();
  TANDEM_CHECK(preds.num_elements() == n, ValueError, who,
               " expected as many predictions as labels, received y_true of shape ",
               y_true.shape().to_string(), " and y_pred of shape ", y_pred.shape().to_string());
  Tensor weight = ones(Shape{n}, float64, labels.device());
  if (sample_weight) {
    const Tensor& w = *sample_weight;
    TANDEM_CHECK(w.num_elements() == n || w.num_elements() == 1, ValueError, who,
                 " expected one sample_weight per label (", n, "), received shape ",
                 w.shape().to_string());
    weight = weight * detail::cast_to(reshape(w, Shape{w.num_elements()}), float64);
  }
  if (options_.ignore_class) {
    Tensor keep = not_equal(
        labels, fill({}, static_cast<double>(*options_.ignore_class), int64, labels.device()));
    weight = weight * cast(keep, float64);
  }
  // Keras's confusion_matrix rejects ids outside [0, num_classes); ignored labels are exempt.
  if (n > 0) {
    Tensor counted = greater(weight, zeros_like(weight));
    auto check = [&](const Tensor& ids, const char* what) {
      Tensor bad = logical_and(
          counted,
          logical_or(less(ids, zeros_like(ids)),
                     greater_equal(ids, fill(ids.shape(), static_cast<double>(num_classes_), int64,
                                             ids.device()))));
      TANDEM_CHECK(!reduce_any(bad).item<bool>(), ValueError, who, " expected ", what,
                   " class ids in [0, ", num_classes_, "), received ids in [",
                   reduce_min(ids).item<int64_t>(), ", ", reduce_max(ids).item<int64_t>(), "]");
    };
    check(labels, "y_true");
    check(preds, "y_pred");
  }
  // cm[i][j] = sum of the weights of the examples with label i and prediction j.
  Tensor true_hot = one_hot(labels, num_classes_, {.dtype = float64});
  Tensor pred_hot = one_hot(preds, num_classes_, {.dtype = float64}) * expand_dims(weight, 1);
  total_cm_.assign_add(matmul(true_hot, pred_hot, {.transpose_a = true}));
}

Tensor MeanIoU::result() const {
  const auto cm = total_cm_.value().to_vector<double>();
  const auto c = static_cast<size_t>(num_classes_);
  double iou_sum = 0;
  int64_t valid = 0;
  for (size_t i = 0; i < c; ++i) {
    double row = 0;  // examples of true class i
    double col = 0;  // examples predicted as class i
    for (size_t j = 0; j < c; ++j) {
      row += cm[i * c + j];
      col += cm[j * c + i];
    }
    const double tp = cm[i * c + i];
    const double denominator = row + col - tp;
    if (denominator != 0) {
      iou_sum += tp / denominator;
      ++valid;
    }
  }
  const double mean = valid == 0 ? 0.0 : iou_sum / static_cast<double>(valid);
  return fill({}, mean, dtype(), total_cm_.device());
}

nlohmann::json MeanIoU::get_config() const {
  nlohmann::json config = Metric::get_config();
  config["num_classes"] = num_classes_;
  config["ignore_class"] =
      options_.ignore_class ? nlohmann::json(*options_.ignore_class) : nlohmann::json(nullptr);
  config["sparse_y_true"] = options_.sparse_y_true;
  config["sparse_y_pred"] = options_.sparse_y_pred;
  config["axis"] = options_.axis;
  return config;
}

}  // namespace tandem::metrics
