// Metric: the tf.keras.metrics streaming contract. State lives in Variables that are sums (totals,
// counts, confusion counts), so data-parallel training can all-reduce them across ranks and get the
// global result.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tandem/core/registry.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem::metrics {

class Metric {
 public:
  Metric(std::string class_name, std::string name, DType dtype = float32);
  virtual ~Metric() = default;
  Metric(const Metric&) = delete;
  Metric& operator=(const Metric&) = delete;

  // Accumulates one batch. Metrics compiled into a model get (y_true, y_pred, sample_weight).
  virtual void update_state(const Tensor& y_true, const Tensor& y_pred,
                            const std::optional<Tensor>& sample_weight = std::nullopt) = 0;
  // The current value (a scalar for most metrics).
  virtual Tensor result() const = 0;
  // Keras's `metric(y_true, y_pred)`: update_state with this batch, then the running result().
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred,
                    const std::optional<Tensor>& sample_weight = std::nullopt);
  // Zeroes every state variable (override when the initial state is not zero).
  virtual void reset_state();

  // The state variables, all of them sums over the batches seen (safe to all-reduce with sum).
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& class_name() const { return class_name_; }
  const std::string& name() const { return name_; }
  DType dtype() const { return dtype_; }
  // {"name": ..., "dtype": ...} plus the subclass's hyperparameters.
  virtual nlohmann::json get_config() const;

 protected:
  // Creates a zero-initialised state variable named "<metric name>/<name>".
  Variable add_weight(const std::string& name, const Shape& shape = {},
                      std::optional<DType> dtype = std::nullopt);

 private:
  std::string class_name_;
  std::string name_;
  DType dtype_;
  std::vector<Variable> variables_;
};

using MetricPtr = std::shared_ptr<Metric>;

// By Keras name ("accuracy", "acc", "mae", "mse", "AUC", "precision", "top_k_categorical_accuracy",
// ...); "accuracy" here is the plain Accuracy metric. ValueError listing the known names otherwise.
MetricPtr get(const std::string& name);
// Keras compile's rule, applied on the first batch: "accuracy"/"acc" become binary_accuracy when
// y_pred's last dimension is 1, sparse_categorical_accuracy when y_true has lower rank than y_pred
// (or a last dimension of 1 against more than 1), else categorical_accuracy; "crossentropy"/"ce"
// likewise become the binary, sparse categorical or categorical crossentropy metric. Other names go
// to get(). The metric keeps the name it was given ("accuracy"), as Keras does.
MetricPtr resolve(const std::string& name, const Shape& y_true_shape, const Shape& y_pred_shape);

// The metric classes, built-in and custom (core/registry.h). Built-ins are rebuilt with their
// saved name.
Registry<MetricPtr>& metric_registry();
// {"class_name": ..., "config": {...}}, and back (a plain string goes to get()).
nlohmann::json serialize(const Metric& metric);
MetricPtr deserialize(const nlohmann::json& serialized);

}  // namespace tandem::metrics

// Registers a custom Metric subclass; Class needs `static MetricPtr from_config(const json&)`.
#define TANDEM_REGISTER_METRIC(Class)                                                     \
  TANDEM_REGISTER_IN(::tandem::metrics::metric_registry(), #Class,                        \
                     [](const ::nlohmann::json& config) -> ::tandem::metrics::MetricPtr { \
                       return Class::from_config(config);                                 \
                     })
