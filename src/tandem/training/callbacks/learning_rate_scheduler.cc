#include "tandem/training/callbacks/learning_rate_scheduler.h"

#include <cmath>
#include <iostream>

#include "tandem/core/error.h"

namespace tandem {

LearningRateScheduler::LearningRateScheduler(Schedule schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  TANDEM_CHECK(schedule_ != nullptr, ValueError, "LearningRateScheduler needs a schedule function");
}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs& /*logs*/) {
  auto& optimizer = *trainer().optimizer();
  double lr = schedule_(epoch, optimizer.learning_rate());
  TANDEM_CHECK(std::isfinite(lr), ValueError,
               "the learning rate schedule must return a finite number, received ", lr,
               " for epoch ", epoch);
  optimizer.set_learning_rate(lr);
  if (verbose_ > 0) {
    out() << "\nEpoch " << epoch + 1 << ": LearningRateScheduler setting learning rate to "
          << format_python_float(lr) << ".\n";
  }
}

void LearningRateScheduler::on_epoch_end(int /*epoch*/, Logs& logs) {
  logs.set("lr", trainer().optimizer()->learning_rate());
}

}  // namespace tandem
