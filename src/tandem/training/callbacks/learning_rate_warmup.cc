#include "tandem/training/callbacks/learning_rate_warmup.h"

#include <algorithm>
#include <cstdio>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"

namespace tandem {

LearningRateWarmup::LearningRateWarmup(double warmup_epochs, int verbose)
    : warmup_epochs_(warmup_epochs), verbose_(verbose) {
  TANDEM_CHECK(warmup_epochs > 0, ValueError,
               "LearningRateWarmup: expected warmup_epochs > 0, received ", warmup_epochs);
}

double LearningRateWarmup::rate_at(double epoch, double warmup_epochs, double target,
                                   int replicas) {
  const double progress = std::min(1.0, std::max(0.0, epoch / warmup_epochs));
  const double start = target / std::max(1, replicas);
  return start + (target - start) * progress;
}

void LearningRateWarmup::on_train_begin(Logs&) {
  optimizers::Optimizer& optimizer = *trainer().optimizer();
  TANDEM_CHECK(!optimizer.has_schedule(), TypeError,
               "LearningRateWarmup needs a constant learning rate to warm up to; the optimizer "
               "has a schedule (build the warmup into the schedule instead)");
  target_ = optimizer.learning_rate();
}

void LearningRateWarmup::on_epoch_begin(int epoch, Logs&) { epoch_ = epoch; }

void LearningRateWarmup::on_train_batch_begin(int64_t batch, Logs&) {
  if (epoch_ >= warmup_epochs_) return;  // done: the target stays
  const int64_t steps = params().steps.value_or(1);
  const double at = epoch_ + double(std::min(batch, steps)) / double(std::max<int64_t>(steps, 1));
  const double lr =
      rate_at(at, warmup_epochs_, target_, distributed::get_strategy().num_replicas_in_sync());
  trainer().optimizer()->set_learning_rate(lr);
}

void LearningRateWarmup::on_epoch_end(int epoch, Logs& logs) {
  if (epoch + 1 >= warmup_epochs_ && epoch < warmup_epochs_) {
    trainer().optimizer()->set_learning_rate(target_);
    if (verbose_ > 0)
      out() << "\nEpoch " << epoch + 1 << ": finished learning rate warmup to " << target_ << ".\n";
  }
  logs.set("lr", trainer().optimizer()->learning_rate());
}

}  // namespace tandem

namespace tandem::distributed {
double scale_learning_rate(double learning_rate) {
  return learning_rate * get_strategy().num_replicas_in_sync();
}
}  // namespace tandem::distributed
