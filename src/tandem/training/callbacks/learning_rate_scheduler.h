// LearningRateScheduler: sets the learning rate at the start of every epoch from
// schedule(epoch, current_lr) (tf.keras.callbacks). Adds "lr" to the epoch logs.
#pragma once

#include <functional>

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class LearningRateScheduler : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  using Schedule = std::function<double(int epoch, double lr)>;
  explicit LearningRateScheduler(Schedule schedule, int verbose = 0);

  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

 private:
  Schedule schedule_;
  int verbose_;
};

}  // namespace tandem
