// History: the callback fit always adds; it records every epoch's logs (Keras's History object).
#pragma once

#include <string>
#include <vector>

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class History : public Callback {
 public:
  bool reads_train_batch_logs() const override { return false; }  // epoch logs only
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(int epoch, Logs& logs) override;

  // The epochs recorded (0-based, as Keras's history.epoch).
  const std::vector<int>& epoch() const { return epochs_; }
  // Keys in first-seen order ("loss", "accuracy", "val_loss", ...).
  const std::vector<std::string>& keys() const { return keys_; }
  bool contains(const std::string& key) const;
  // One value per recorded epoch; ValueError naming the keys present for an unknown key.
  const std::vector<double>& operator[](const std::string& key) const;

 private:
  std::vector<int> epochs_;
  std::vector<std::string> keys_;
  std::vector<std::vector<double>> values_;
};

}  // namespace tandem
