// Logs: the dict Keras hands to callbacks ("loss", "accuracy", "val_loss", ...), keeping the order
// in which entries were first set so the progress bar and CSVLogger print them as Keras does.
//
// A value may be set as a scalar tensor (a metric's result): it is read to the host only when the
// logs are read, so a training step that builds its logs does not wait for the device, and steps
// whose logs nobody reads never copy them back (Keras keeps tensors in logs the same way).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

class Logs {
 public:
  Logs() = default;
  Logs(std::initializer_list<std::pair<std::string, double>> items);

  // Sets a value; a new key goes last, an existing one keeps its place.
  void set(const std::string& key, double value);
  // Sets a one-element tensor, read (as float64) when the logs are first read.
  void set(const std::string& key, const Tensor& value);
  bool contains(const std::string& key) const;
  std::optional<double> get(const std::string& key) const;
  // ValueError naming the key and the keys present when it is missing.
  double at(const std::string& key) const;
  void erase(const std::string& key);
  const std::vector<std::pair<std::string, double>>& items() const {
    resolve();
    return items_;
  }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  // The values in order (Keras's evaluate() list).
  std::vector<double> values() const;
  // "loss, accuracy, val_loss": the keys, for error messages and warnings.
  std::string key_list() const;
  // "loss: 0.3268 - accuracy: 0.8993" (Keras's 4 significant decimals; %.4e below 1e-3).
  std::string to_string() const;
  // How many values are tensors not read to the host yet.
  size_t unread() const { return pending_.size(); }

 private:
  // Reads the tensor values to the host (once).
  void resolve() const;
  // The index of `key` in items_, or items_.size().
  size_t find(const std::string& key) const;
  mutable std::vector<std::pair<std::string, double>> items_;
  mutable std::vector<std::pair<size_t, Tensor>> pending_;  // (index in items_, value)
};

// One value as Keras's Progbar prints it: "0.3268", or "1.2346e-04" at or below 1e-3.
std::string format_log_value(double value);

// A value as Python's str(float) writes it (what Keras's CSVLogger and a "{loss}" checkpoint
// filepath show): the shortest round-trip digits, "1.0" for whole numbers, scientific notation
// below 1e-4 and from 1e16 ("1e-05", "1.5e+16"), and "nan" / "inf".
std::string format_python_float(double value);

}  // namespace tandem
