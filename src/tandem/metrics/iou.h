// tf.keras.metrics.MeanIoU: the mean over classes of intersection-over-union, from a confusion
// matrix accumulated over batches.
#pragma once

#include <optional>
#include <string>

#include "tandem/metrics/metric.h"

namespace tandem::metrics {

struct MeanIoUOptions {
  std::string name = "mean_io_u";
  DType dtype = float32;
  std::optional<int64_t> ignore_class = std::nullopt;  // labels of this class are left out
  bool sparse_y_true = true;  // false: y_true holds scores, argmax over `axis` gives the class
  bool sparse_y_pred = true;  // false: y_pred holds scores, argmax over `axis` gives the class
  int64_t axis = -1;
};

// IoU_c = cm[c][c] / (row_c + col_c - cm[c][c]); the result averages it over the classes whose
// denominator is nonzero. Labels and predictions are class ids (truncated to integers), in
// [0, num_classes). State: total_cm, a [num_classes, num_classes] float64 confusion matrix (rows:
// true class, columns: predicted class) of summed sample weights, so a cross-rank sum followed by
// result() gives the global value.
class MeanIoU : public Metric {
 public:
  explicit MeanIoU(int64_t num_classes, MeanIoUOptions options = {});
  void update_state(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) override;
  Tensor result() const override;
  nlohmann::json get_config() const override;
  int64_t num_classes() const { return num_classes_; }

 private:
  Tensor class_ids(const Tensor& x, bool sparse, const char* what) const;
  int64_t num_classes_;
  MeanIoUOptions options_;
  Variable total_cm_;
};

}  // namespace tandem::metrics
