#include "tandem/training/callbacks/early_stopping.h"

#include <iostream>

namespace tandem {

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode, options_.min_delta) {}

void EarlyStopping::on_train_begin(Logs& /*logs*/) {
  wait_ = 0;
  stopped_epoch_ = 0;
  best_epoch_ = 0;
  best_ = monitor_.worst();
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int epoch, Logs& logs) {
  std::optional<double> current = logs.get(options_.monitor);
  if (!current) {
    err() << "EarlyStopping is conditioned on metric '" << options_.monitor
          << "' which is not available. Available metrics are: " << logs.key_list() << "\n";
    return;
  }
  if (epoch < options_.start_from_epoch) return;
  if (options_.restore_best_weights && best_weights_.empty()) {
    best_weights_ = trainer().get_weights();
  }
  ++wait_;
  if (monitor_.improves(*current, best_)) {
    best_ = *current;
    best_epoch_ = epoch;
    if (options_.restore_best_weights) best_weights_ = trainer().get_weights();
    // Only an improvement on the baseline too resets the patience (Keras).
    if (!options_.baseline || monitor_.improves(*current, *options_.baseline)) {
      wait_ = 0;
      return;
    }
  }
  if (wait_ >= options_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    trainer().set_stop_training(true);
    if (options_.restore_best_weights && !best_weights_.empty()) {
      if (options_.verbose > 0) {
        out() << "Restoring model weights from the end of the best epoch: " << best_epoch_ + 1
              << ".\n";
      }
      trainer().set_weights(best_weights_);
    }
  }
}

void EarlyStopping::on_train_end(Logs& /*logs*/) {
  if (stopped_epoch_ > 0 && options_.verbose > 0) {
    out() << "Epoch " << stopped_epoch_ + 1 << ": early stopping\n";
  }
}

}  // namespace tandem
