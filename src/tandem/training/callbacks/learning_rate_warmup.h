// LearningRateWarmup: the gradual warmup of Goyal et al. ("Accurate, Large Minibatch SGD", 2017)
// for data-parallel training. With N replicas the global batch is N times larger, so the
// learning rate is scaled N times (distributed::scale_learning_rate); starting at that rate
// often diverges, so this callback starts at the unscaled rate (the target / N) and raises it
// linearly, batch by batch, to the target over `warmup_epochs` epochs. The target is the
// optimizer's learning rate when training begins. Adds "lr" to the epoch logs.
//
//   model->compile({.optimizer = std::make_shared<optimizers::SGD>(optimizers::SGDOptions{
//                       .learning_rate = distributed::scale_learning_rate(0.1)}), ...});
//   model->fit(x, y, {.callbacks = {std::make_shared<LearningRateWarmup>(5)}});
#pragma once

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class LearningRateWarmup : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  explicit LearningRateWarmup(double warmup_epochs, int verbose = 0);

  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_train_batch_begin(int64_t batch, Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

  // The rate at `epoch` (fractional: epoch + batch / steps) of a warmup from target / replicas
  // to target over warmup_epochs.
  static double rate_at(double epoch, double warmup_epochs, double target, int replicas);

 private:
  double warmup_epochs_;
  int verbose_;
  double target_ = 0;
  int epoch_ = 0;
};

}  // namespace tandem

namespace tandem::distributed {
// Goyal et al.'s linear scaling rule: `learning_rate` times the number of replicas in sync.
double scale_learning_rate(double learning_rate);
}  // namespace tandem::distributed
