// Callback: tf.keras.callbacks.Callback. fit/evaluate/predict call every hook in order with the
// Logs of the moment; a callback reaches the model through model() (to stop training, change the
// learning rate, or save weights). The built-in callbacks use trainer(), the part of the model
// training needs (training/trainer.h), so that training/ does not depend on models/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "tandem/training/logs.h"
#include "tandem/training/trainer.h"

namespace tandem {

class Model;

// What Keras puts in callback.params.
struct CallbackParams {
  int epochs = 1;
  std::optional<int64_t> steps = std::nullopt;  // batches per epoch when known
  int verbose = 1;
};

class Callback {
 public:
  virtual ~Callback() = default;

  void set_model(Trainer* model) { model_ = model; }
  // The model this callback is attached to (fit/evaluate/predict attach it); ValueError when
  // there is none. model() is defined in models/ (the Model is a Trainer; the cast needs it).
  Model& model() const;
  Trainer& trainer() const;
  bool has_model() const { return model_ != nullptr; }
  void set_params(const CallbackParams& params) { params_ = params; }

  // Output goes through these (DESIGN section 4: the chief replica alone prints and writes
  // files): std::cout / std::cerr on the chief, a stream that discards on the other replicas.
  static bool is_chief();
  static std::ostream& out();
  static std::ostream& err();
  const CallbackParams& params() const { return params_; }

  virtual void on_train_begin(Logs& logs) { (void)logs; }
  virtual void on_train_end(Logs& logs) { (void)logs; }
  virtual void on_epoch_begin(int epoch, Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_epoch_end(int epoch, Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_train_batch_begin(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  virtual void on_train_batch_end(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  // Whether on_train_batch_end reads the metric values in its logs. Under data parallelism fit
  // sums the metric state over the replicas for every batch's logs only when some callback does
  // (one collective per step less otherwise; epoch logs are always global), so a callback that
  // ignores batch logs says false (Keras skips batch hooks nobody overrides, for the same cost).
  virtual bool reads_train_batch_logs() const { return true; }
  virtual void on_test_begin(Logs& logs) { (void)logs; }
  virtual void on_test_end(Logs& logs) { (void)logs; }
  virtual void on_test_batch_begin(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  virtual void on_test_batch_end(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  virtual void on_predict_begin(Logs& logs) { (void)logs; }
  virtual void on_predict_end(Logs& logs) { (void)logs; }
  virtual void on_predict_batch_begin(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  virtual void on_predict_batch_end(int64_t batch, Logs& logs) { (void)batch, (void)logs; }
  // Tandem's addition (tf.distribute's PreemptionCheckpointHandler's moment): the job was told
  // it will be stopped (distributed/preemption.h); every replica stopped after `steps` training
  // steps of `epoch`, and fit ends the process once every callback has run this.
  virtual void on_preemption(int epoch, int64_t steps, Logs& logs) {
    (void)epoch, (void)steps, (void)logs;
  }

 private:
  Trainer* model_ = nullptr;
  CallbackParams params_;
};

using CallbackPtr = std::shared_ptr<Callback>;
using Callbacks = std::vector<CallbackPtr>;

}  // namespace tandem
