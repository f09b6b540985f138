// Monitor: the "monitor a logged quantity, with mode min/max/auto and min_delta" logic shared by
// EarlyStopping, ModelCheckpoint and ReduceLROnPlateau.
#pragma once

#include <limits>
#include <string>

namespace tandem {

class Monitor {
 public:
  // mode: "min", "max" or "auto" (max for accuracy- and AUC-like names, min otherwise, as Keras
  // guesses). ValueError for another mode.
  Monitor(std::string monitor, const std::string& mode, double min_delta = 0.0);

  const std::string& name() const { return monitor_; }
  bool maximizing() const { return maximize_; }
  // Whether `current` beats `reference` by more than min_delta in the monitored direction.
  bool improves(double current, double reference) const;
  // The value every first observation improves on (+inf when minimising, -inf when maximising).
  double worst() const;

 private:
  std::string monitor_;
  bool maximize_ = false;
  double min_delta_ = 0.0;
};

}  // namespace tandem
