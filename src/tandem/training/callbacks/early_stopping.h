// EarlyStopping: stops fit when a monitored quantity stops improving (tf.keras.callbacks).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/training/callbacks/callback.h"
#include "tandem/training/callbacks/monitor.h"

namespace tandem {

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0.0;  // smaller changes do not count as improvement
  int patience = 0;        // epochs without improvement before stopping
  int verbose = 0;
  std::string mode = "auto";
  std::optional<double> baseline = std::nullopt;  // training stops unless this is beaten
  bool restore_best_weights = false;
  int start_from_epoch = 0;  // epochs of warm-up before monitoring
};

class EarlyStopping : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  explicit EarlyStopping(EarlyStoppingOptions options = {});

  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

  // The epoch (0-based) at which training was stopped, or 0 when it was not.
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }
  double best() const { return best_; }

 private:
  EarlyStoppingOptions options_;
  Monitor monitor_;
  int wait_ = 0;
  int stopped_epoch_ = 0;
  int best_epoch_ = 0;
  double best_ = 0;
  std::vector<Tensor> best_weights_;
};

}  // namespace tandem
