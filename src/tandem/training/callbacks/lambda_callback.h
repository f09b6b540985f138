// LambdaCallback: a callback from plain functions, one per hook
// (tf.keras.callbacks.LambdaCallback).
//   LambdaCallback({.on_epoch_end = [](int epoch, Logs& logs) { ... }})
#pragma once

#include <functional>

#include "tandem/training/callbacks/callback.h"

namespace tandem {

struct LambdaCallbackOptions {
  std::function<void(int, Logs&)> on_epoch_begin = nullptr;
  std::function<void(int, Logs&)> on_epoch_end = nullptr;
  std::function<void(int64_t, Logs&)> on_batch_begin = nullptr;  // training batches
  std::function<void(int64_t, Logs&)> on_batch_end = nullptr;
  std::function<void(Logs&)> on_train_begin = nullptr;
  std::function<void(Logs&)> on_train_end = nullptr;
};

class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackOptions options) : options_(std::move(options)) {}

  void on_epoch_begin(int epoch, Logs& logs) override {
    call(options_.on_epoch_begin, epoch, logs);
  }
  void on_epoch_end(int epoch, Logs& logs) override { call(options_.on_epoch_end, epoch, logs); }
  void on_train_batch_begin(int64_t batch, Logs& logs) override {
    call(options_.on_batch_begin, batch, logs);
  }
  void on_train_batch_end(int64_t batch, Logs& logs) override {
    call(options_.on_batch_end, batch, logs);
  }
  bool reads_train_batch_logs() const override { return options_.on_batch_end != nullptr; }
  void on_train_begin(Logs& logs) override { call(options_.on_train_begin, logs); }
  void on_train_end(Logs& logs) override { call(options_.on_train_end, logs); }

 private:
  template <class F, class... Args>
  static void call(const F& f, Args&&... args) {
    if (f) f(std::forward<Args>(args)...);
  }
  LambdaCallbackOptions options_;
};

}  // namespace tandem
