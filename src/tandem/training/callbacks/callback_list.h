// CallbackList: calls every callback's hook in order (the user's, then History and the
// ProgbarLogger that fit adds, as Keras orders them).
#pragma once

#include "tandem/training/callbacks/callback.h"

namespace tandem {

class CallbackList {
 public:
  CallbackList(Callbacks callbacks, Trainer& model, const CallbackParams& params);

  void on_train_begin(Logs& logs) {
    each([&](Callback& c) { c.on_train_begin(logs); });
  }
  void on_train_end(Logs& logs) {
    each([&](Callback& c) { c.on_train_end(logs); });
  }
  void on_epoch_begin(int epoch, Logs& logs) {
    each([&](Callback& c) { c.on_epoch_begin(epoch, logs); });
  }
  void on_epoch_end(int epoch, Logs& logs) {
    each([&](Callback& c) { c.on_epoch_end(epoch, logs); });
  }
  void on_train_batch_begin(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_train_batch_begin(batch, logs); });
  }
  void on_train_batch_end(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_train_batch_end(batch, logs); });
  }
  void on_test_begin(Logs& logs) {
    each([&](Callback& c) { c.on_test_begin(logs); });
  }
  void on_test_end(Logs& logs) {
    each([&](Callback& c) { c.on_test_end(logs); });
  }
  void on_test_batch_begin(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_test_batch_begin(batch, logs); });
  }
  void on_test_batch_end(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_test_batch_end(batch, logs); });
  }
  void on_predict_begin(Logs& logs) {
    each([&](Callback& c) { c.on_predict_begin(logs); });
  }
  void on_predict_end(Logs& logs) {
    each([&](Callback& c) { c.on_predict_end(logs); });
  }
  void on_predict_batch_begin(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_predict_batch_begin(batch, logs); });
  }
  void on_predict_batch_end(int64_t batch, Logs& logs) {
    each([&](Callback& c) { c.on_predict_batch_end(batch, logs); });
  }
  void on_preemption(int epoch, int64_t steps, Logs& logs) {
    each([&](Callback& c) { c.on_preemption(epoch, steps, logs); });
  }

  // Some callback reads training batch logs (Callback::reads_train_batch_logs).
  bool reads_train_batch_logs() const {
    for (const auto& callback : callbacks_)
      if (callback->reads_train_batch_logs()) return true;
    return false;
  }

 private:
  template <class F>
  void each(F&& f) {
    for (auto& callback : callbacks_) f(*callback);
  }
  Callbacks callbacks_;
};

}  // namespace tandem
