// ProgbarLogger: prints Keras's "Epoch 1/5" header and progress bar from the callback hooks. fit,
// evaluate and predict add it when verbose is 1 or 2.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>

#include "tandem/training/callbacks/callback.h"
#include "tandem/training/progbar.h"

namespace tandem {

class ProgbarLogger : public Callback {
 public:
  ProgbarLogger();
  explicit ProgbarLogger(std::ostream& out, std::optional<bool> dynamic_display = std::nullopt);

  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;
  void on_epoch_begin(int epoch, Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  // verbose 1 shows every batch's metrics; verbose 2 prints one line per epoch.
  bool reads_train_batch_logs() const override { return params().verbose == 1; }
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_test_begin(Logs& logs) override;
  void on_test_batch_end(int64_t batch, Logs& logs) override;
  void on_test_end(Logs& logs) override;
  void on_predict_begin(Logs& logs) override;
  void on_predict_batch_end(int64_t batch, Logs& logs) override;
  void on_predict_end(Logs& logs) override;

 private:
  void start_bar();
  void update(int64_t step, const Logs& logs, bool finalize);

  std::ostream& out_;
  std::optional<bool> dynamic_display_;
  std::unique_ptr<Progbar> bar_;
  bool in_fit_ = false;
  int64_t seen_ = 0;
  std::optional<int64_t> known_steps_ = std::nullopt;
};

}  // namespace tandem
