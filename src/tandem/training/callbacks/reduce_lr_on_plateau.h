// ReduceLROnPlateau: multiplies the learning rate by `factor` when a monitored quantity has not
// improved for `patience` epochs (tf.keras.callbacks). Adds "lr" to the epoch logs.
#pragma once

#include <string>

#include "tandem/training/callbacks/callback.h"
#include "tandem/training/callbacks/monitor.h"

namespace tandem {

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;  // new_lr = lr * factor; must be < 1
  int patience = 10;
  int verbose = 0;
  std::string mode = "auto";
  double min_delta = 1e-4;
  int cooldown = 0;  // epochs to wait after a reduction before counting again
  double min_lr = 0.0;
};

class ReduceLROnPlateau : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});

  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  ReduceLROnPlateauOptions options_;
  Monitor monitor_;
  double best_ = 0;
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

}  // namespace tandem
