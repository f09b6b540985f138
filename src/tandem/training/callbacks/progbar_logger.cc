#include "tandem/training/callbacks/progbar_logger.h"

#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace tandem {

ProgbarLogger::ProgbarLogger() : ProgbarLogger(std::cout) {}

ProgbarLogger::ProgbarLogger(std::ostream& out, std::optional<bool> dynamic_display)
    : out_(out), dynamic_display_(dynamic_display) {}

void ProgbarLogger::start_bar() {
  seen_ = 0;
  ProgbarOptions options{
      .verbose = params().verbose, .all_stateful = true, .dynamic_display = dynamic_display_};
  // With a dataset of unknown length, later epochs know the length from the first.
  bar_ = std::make_unique<Progbar>(params().steps ? params().steps : known_steps_,
                                   std::move(options), out_);
}

void ProgbarLogger::update(int64_t step, const Logs& logs, bool finalize) {
  if (!bar_ || params().verbose == 0) return;
  seen_ = step;
  // A bar of unknown length learns it at the end, so its finished line shows a full bar (Keras).
  if (finalize && !bar_->target()) bar_->set_target(step);
  bar_->update(step, logs.items(), finalize);
}

void ProgbarLogger::on_train_begin(Logs& /*logs*/) { in_fit_ = true; }

void ProgbarLogger::on_epoch_begin(int epoch, Logs& /*logs*/) {
  if (params().verbose != 0 && params().epochs > 1) {
    out_ << "Epoch " << epoch + 1 << "/" << params().epochs << "\n" << std::flush;
  }
  start_bar();
}

void ProgbarLogger::on_train_batch_end(int64_t batch, Logs& logs) {
  update(batch + 1, logs, false);
}

void ProgbarLogger::on_epoch_end(int /*epoch*/, Logs& logs) {
  update(seen_, logs, true);
  known_steps_ = seen_;
}

void ProgbarLogger::on_train_end(Logs& /*logs*/) { in_fit_ = false; }

// Validation inside fit draws no bar of its own (Keras shows val_ values on the epoch's line).
void ProgbarLogger::on_test_begin(Logs& /*logs*/) {
  if (!in_fit_) start_bar();
}

void ProgbarLogger::on_test_batch_end(int64_t batch, Logs& logs) {
  if (!in_fit_) update(batch + 1, logs, false);
}

void ProgbarLogger::on_test_end(Logs& logs) {
  if (!in_fit_) update(seen_, logs, true);
}

void ProgbarLogger::on_predict_begin(Logs& /*logs*/) { start_bar(); }

void ProgbarLogger::on_predict_batch_end(int64_t batch, Logs& logs) {
  update(batch + 1, logs, false);
}

void ProgbarLogger::on_predict_end(Logs& logs) { update(seen_, logs, true); }

}  // namespace tandem
