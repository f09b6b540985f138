#include "tandem/training/callbacks/reduce_lr_on_plateau.h"

#include <algorithm>
#include <iostream>

#include "tandem/core/error.h"

namespace tandem {

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options)
    : options_(std::move(options)), monitor_(options_.monitor, options_.mode, options_.min_delta) {
  TANDEM_CHECK(options_.factor < 1.0, ValueError,
               "ReduceLROnPlateau does not support a factor >= 1.0, received ", options_.factor);
}

void ReduceLROnPlateau::on_train_begin(Logs& /*logs*/) {
  best_ = monitor_.worst();
  wait_ = 0;
  cooldown_counter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs& logs) {
  auto& optimizer = *trainer().optimizer();
  logs.set("lr", optimizer.learning_rate());
  std::optional<double> current = logs.get(options_.monitor);
  if (!current) {
    err() << "ReduceLROnPlateau is conditioned on metric '" << options_.monitor
          << "' which is not available. Available metrics are: " << logs.key_list() << "\n";
    return;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (monitor_.improves(*current, best_)) {
    best_ = *current;
    wait_ = 0;
    return;
  }
  if (cooldown_counter_ > 0 || ++wait_ < options_.patience) return;
  double old_lr = optimizer.learning_rate();
  // Compared in float32 as Keras does, so a rate stored at min_lr is not reduced again.
  if (static_cast<float>(old_lr) > static_cast<float>(options_.min_lr)) {
    double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
    optimizer.set_learning_rate(new_lr);
    if (options_.verbose > 0) {
      out() << "\nEpoch " << epoch + 1 << ": ReduceLROnPlateau reducing learning rate to "
            << format_python_float(new_lr) << ".\n";
    }
    cooldown_counter_ = options_.cooldown;
    wait_ = 0;
  }
}

}  // namespace tandem
