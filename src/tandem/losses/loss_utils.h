// Helpers shared by the built-in losses (internal: not part of the public API).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "tandem/core/tensor.h"
#include "tandem/losses/loss.h"

namespace tandem::losses::detail {

// Keras's backend.epsilon(): the clip bound of the probability-based losses.
inline constexpr double kEpsilon = 1e-7;

// "[32, 1]": shapes as the loss error messages print them.
std::string shape_list(const Shape& shape);

// Keras's squeeze_or_expand_dimensions(y_pred, y_true): when the ranks differ by one and the longer
// one ends in a dimension of 1, that dimension is dropped, so [batch] meets [batch, 1].
std::pair<Tensor, Tensor> align(const Tensor& y_true, const Tensor& y_pred);

// What every same-shape loss does first: y_pred must be floating; align(); y_true is cast to
// y_pred's dtype; then both must have the same shape. `who` names the loss in errors.
std::pair<Tensor, Tensor> prepare(const std::string& who, const Tensor& y_true,
                                  const Tensor& y_pred);

// Checks y_pred is a defined floating tensor.
void check_prediction(const std::string& who, const Tensor& y_pred);

// Sample weights are squeezed or expanded by one trailing dimension to meet the losses' rank (a
// [batch, 1] weight on [batch] losses, a [batch] weight on [batch, steps] losses), as Keras does.
Tensor align_weights(const Tensor& losses, const Tensor& sample_weight);

// A scalar of `like`'s dtype.
Tensor scalar_like(double value, const Tensor& like);

Tensor mean_over(const Tensor& x, int64_t axis);
Tensor sum_over(const Tensor& x, int64_t axis, bool keepdims = false);

// Options shared by every loss, read back from a Keras config ("name", "reduction").
LossOptions options_from_config(const nlohmann::json& config);

// Typed hyperparameter from a config, or `fallback` when absent.
template <class T>
T config_value(const nlohmann::json& config, const char* key, T fallback) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  return config[key].get<T>();
}

void check_label_smoothing(const std::string& who, double label_smoothing);

}  // namespace tandem::losses::detail
