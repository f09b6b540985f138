// CSVLogger: writes one CSV row per epoch: "epoch" then the log keys in sorted order
// (tf.keras.callbacks.CSVLogger).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class CSVLogger : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  // append: continue an existing file (no second header) instead of overwriting it.
  explicit CSVLogger(std::string filename, std::string separator = ",", bool append = false);

  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;

 private:
  std::string filename_;
  std::string separator_;
  bool append_;
  bool write_header_ = true;
  std::vector<std::string> keys_;
  std::ofstream file_;
};

}  // namespace tandem
