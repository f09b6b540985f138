// ModelCheckpoint: saves the model or its weights during fit (tf.keras.callbacks.ModelCheckpoint).
// The filepath is a template filled from the epoch and the logs with Python's format syntax:
// "ckpt-{epoch:02d}-{val_loss:.2f}.tdm" becomes "ckpt-03-0.41.tdm".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tandem/training/callbacks/callback.h"
#include "tandem/training/callbacks/monitor.h"

namespace tandem {

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  int verbose = 0;
  bool save_best_only = false;  // write only when `monitor` improves
  bool save_weights_only = false;
  std::string mode = "auto";
  // Save at the end of every epoch (0), or every N training batches.
  int64_t save_freq = 0;
  std::optional<double> initial_value_threshold = std::nullopt;  // the value to beat first
};

class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});

  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  bool reads_train_batch_logs() const override { return options_.save_freq > 0; }
  void on_epoch_end(int epoch, Logs& logs) override;

  double best() const { return best_; }

 private:
  void save(int epoch, std::optional<int64_t> batch, const Logs& logs);
  void write(const std::string& path);

  std::string filepath_;
  ModelCheckpointOptions options_;
  Monitor monitor_;
  double best_;
  int current_epoch_ = 0;
  int64_t batches_since_save_ = 0;
};

// Fills "{name}" / "{name:spec}" fields (spec: [0][width][.precision](d|f|e|g|s)) from `epoch`
// (1-based), `batch` (1-based, when given) and the logs. ValueError naming a missing key.
std::string format_checkpoint_path(const std::string& pattern, int epoch,
                                   std::optional<int64_t> batch, const Logs& logs);

}  // namespace tandem
