// Trainer: the model as the training code sees it (Keras 3's Trainer, the base of Model). The
// callbacks and the metric sync of fit reach the model through this interface, so training/
// never includes models/ (DESIGN section 1: models/ depends on training/, never the reverse).
// Model implements it; a callback of yours gets the whole Model from Callback::model().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"
#include "tandem/metrics/metric.h"
#include "tandem/optimizers/optimizer.h"

namespace tandem {

class Trainer {
 public:
  virtual ~Trainer() = default;

  virtual const std::string& name() const = 0;
  virtual bool built() const = 0;
  virtual std::vector<Variable> weights() const = 0;
  virtual std::vector<Variable> trainable_weights() const = 0;
  virtual std::vector<Tensor> get_weights() const = 0;
  virtual void set_weights(const std::vector<Tensor>& values) = 0;
  // Keras's model summary table.
  virtual std::string summary_string() const = 0;

  // The compiled optimizer; ValueError before compile.
  virtual optimizers::OptimizerPtr optimizer() const = 0;
  // The loss trackers and compiled metrics, and their names (Keras's metrics_names).
  virtual std::vector<metrics::MetricPtr> metrics() const = 0;
  virtual std::vector<std::string> metrics_names() const = 0;
  // Set by a callback (EarlyStopping, TerminateOnNaN) to end fit after the current batch/epoch.
  virtual bool stop_training() const = 0;
  virtual void set_stop_training(bool stop) = 0;
  // Makes the fit in progress continue at `epoch`, after its first `steps` batches, instead of at
  // its initial_epoch: what BackupAndRestore calls from on_train_begin after restoring a backup.
  virtual void resume_at(int epoch, int64_t steps = 0) = 0;

  // The weights alone, or the whole model (architecture, weights, compile state), written
  // atomically.
  virtual void save_weights(const std::string& path) const = 0;
  virtual void save(const std::string& path) const = 0;
};

}  // namespace tandem
