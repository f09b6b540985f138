#include "tandem/losses/hinge.h"

#include <vector>

#include "tandem/losses/loss_utils.h"
#include "tandem/ops/math.h"
#include "tandem/ops/reduction.h"

namespace tandem::losses {

using detail::mean_over;
using detail::prepare;

namespace {

// Keras's _maybe_convert_labels: only when every label is 0 or 1 are they mapped to -1 / 1, so
// labels already in {-1, 1} pass unchanged.
Tensor maybe_convert_labels(const Tensor& y_true) {
  for (double v : y_true.to_vector<double>())
    if (v != 0.0 && v != 1.0) return y_true;
  return y_true * 2.0 - 1.0;
}

// max(1 - y_true * y_pred, 0) with converted labels.
Tensor margins(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  return relu(1.0 - maybe_convert_labels(t) * p);
}

Tensor hinge_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  return mean_over(margins(who, y_true, y_pred), -1);
}

Tensor squared_hinge_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  return mean_over(square(margins(who, y_true, y_pred)), -1);
}

Tensor categorical_hinge_impl(const std::string& who, const Tensor& y_true, const Tensor& y_pred) {
  auto [t, p] = prepare(who, y_true, y_pred);
  Tensor pos = detail::sum_over(t * p, -1);
  Tensor neg = reduce_max((1.0 - t) * p, {.axis = std::vector<int64_t>{-1}});
  return relu(neg - pos + 1.0);
}

}  // namespace

Hinge::Hinge(LossOptions options) : Loss("Hinge", "hinge", std::move(options)) {}
Tensor Hinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return hinge_impl(class_name(), y_true, y_pred);
}

SquaredHinge::SquaredHinge(LossOptions options)
    : Loss("SquaredHinge", "squared_hinge", std::move(options)) {}
Tensor SquaredHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return squared_hinge_impl(class_name(), y_true, y_pred);
}

CategoricalHinge::CategoricalHinge(LossOptions options)
    : Loss("CategoricalHinge", "categorical_hinge", std::move(options)) {}
Tensor CategoricalHinge::call(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_hinge_impl(class_name(), y_true, y_pred);
}

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
  return hinge_impl("hinge", y_true, y_pred);
}
Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
  return squared_hinge_impl("squared_hinge", y_true, y_pred);
}
Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred) {
  return categorical_hinge_impl("categorical_hinge", y_true, y_pred);
}

}  // namespace tandem::losses
