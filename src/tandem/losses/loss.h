// Loss: the tf.keras.losses contract. A subclass computes per-example losses in call(); the base
// applies sample weights and the reduction, as Keras's Loss.__call__ does.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tandem/core/registry.h"
#include "tandem/core/tensor.h"

namespace tandem::losses {

// tf.keras.losses.Reduction. sum_over_batch_size divides the weighted sum by the number of
// elements of the per-example loss (sample weights do not change the divisor, as in Keras).
enum class Reduction { sum_over_batch_size, sum, none };
std::string reduction_name(Reduction reduction);  // "sum_over_batch_size", "sum", "none"
Reduction reduction_from_name(const std::string& name);

struct LossOptions {
  Reduction reduction = Reduction::sum_over_batch_size;
  std::string name = "";  // empty: the snake_case Keras default ("mean_squared_error", ...)
};

// A per-example loss function: (y_true, y_pred) -> losses with the last axis reduced.
using LossFunction = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

class Loss {
 public:
  Loss(std::string class_name, std::string default_name, LossOptions options);
  virtual ~Loss() = default;

  // Per-example losses (shape of y_pred without its last axis for the mean-over-last-axis losses).
  virtual Tensor call(const Tensor& y_true, const Tensor& y_pred) const = 0;

  // Weighted and reduced loss. sample_weight broadcasts against the per-example losses (shape
  // [batch] or [batch, 1] for per-sample weights). y_true is cast to y_pred's dtype.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt) const;

  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }
  Reduction reduction() const { return reduction_; }
  // {"name": ..., "reduction": ...} plus the subclass's hyperparameters.
  virtual nlohmann::json get_config() const;

 protected:
  // Which per-example losses count (Keras's `_keras_mask` on the losses): masked-out ones get
  // weight 0 and, under sum_over_batch_size, the mean is over the valid ones only. Default: all.
  virtual std::optional<Tensor> valid_mask(const Tensor& y_true, const Tensor& y_pred) const;

 private:
  std::string class_name_;
  std::string name_;
  Reduction reduction_;
};

using LossPtr = std::shared_ptr<const Loss>;

// Applies sample weights (broadcast) and the reduction to per-example losses.
Tensor compute_weighted_loss(const Tensor& losses, const std::optional<Tensor>& sample_weight,
                             Reduction reduction);

// A plain function as a Loss (Keras's LossFunctionWrapper); its config holds only name/reduction.
// Like y_true of the built-ins, y_true of a [batch] / [batch, 1] pair is aligned before fn runs.
// deserialize() finds it through register_loss under its name (Keras's custom_objects).
LossPtr make_loss(std::string name, LossFunction fn, LossOptions options = {});

// By Keras name: "mse", "mean_squared_error", "MeanSquaredError",
// "sparse_categorical_crossentropy", "binary_crossentropy", "huber", ... ValueError listing the
// known names otherwise.
LossPtr get(const std::string& name);
// {"class_name": ..., "config": {...}} as Keras serialises a loss, and back (built-ins and
// registered custom losses).
nlohmann::json serialize(const Loss& loss);
LossPtr deserialize(const nlohmann::json& json);
// The loss classes, built-in and custom (core/registry.h).
Registry<LossPtr>& loss_registry();
// Makes a custom Loss subclass rebuildable from its config by class name.
void register_loss(const std::string& class_name,
                   std::function<LossPtr(const nlohmann::json& config)> from_config);
// Makes a make_loss(name, fn) loss rebuildable: deserialize finds the function by its name.
bool register_loss_function(const std::string& name, LossFunction fn);

}  // namespace tandem::losses

// Registers a custom Loss subclass; Class needs `static LossPtr from_config(const json&)`.
#define TANDEM_REGISTER_LOSS(Class)                                                    \
  TANDEM_REGISTER_IN(::tandem::losses::loss_registry(), #Class,                        \
                     [](const ::nlohmann::json& config) -> ::tandem::losses::LossPtr { \
                       return Class::from_config(config);                              \
                     })
// Registers a plain loss function under `name` (what make_loss(name, fn) saves).
#define TANDEM_REGISTER_LOSS_FUNCTION(name, fn) \
  TANDEM_REGISTER_STATIC(::tandem::losses::register_loss_function(#name, fn))
