// TensorBoard: logs training to event files for TensorBoard (tf.keras.callbacks.TensorBoard).
// Under log_dir it writes train/ and validation/ event files:
//   - "epoch_<key>" scalars at step `epoch` (0-based) for every log key, the validation ones
//     ("val_loss") in validation/ without their "val_" prefix, and "epoch_learning_rate";
//   - with update_freq "batch" or N: "batch_<key>" scalars (and "batch_learning_rate") every N
//     training batches, at step = the training batches so far;
//   - "evaluation_<key>_vs_iterations" in validation/ after each evaluation, at step = the
//     optimizer's iterations;
//   - with histogram_freq N: a histogram of every weight ("dense/kernel/histogram") every N
//     epochs;
//   - with write_graph: the model's summary() table as a text summary "model_summary" (step 0).
// Under data parallelism the chief replica alone writes (DESIGN section 4).
#pragma once

#include <cstdint>
#include <string>

#include "tandem/io/summary_writer.h"
#include "tandem/training/callbacks/callback.h"

namespace tandem {

// Keras's update_freq: "epoch" (write batch scalars never), "batch" (every batch) or a number of
// batches.
class UpdateFreq {
 public:
  UpdateFreq(int batches) : UpdateFreq(static_cast<int64_t>(batches)) {}  // NOLINT: like Keras
  UpdateFreq(int64_t batches);                                            // NOLINT
  UpdateFreq(const char* name) : UpdateFreq(std::string(name)) {}         // NOLINT
  UpdateFreq(const std::string& name);                                    // NOLINT
  // Batches between batch-level writes; 0 for "epoch".
  int64_t batches() const { return batches_; }

 private:
  int64_t batches_ = 0;
};

struct TensorBoardOptions {
  int histogram_freq = 0;  // epochs between weight histograms; 0: none
  bool write_graph = true;
  UpdateFreq update_freq = "epoch";
};

class TensorBoard : public Callback {
 public:
  explicit TensorBoard(std::string log_dir = "logs", TensorBoardOptions options = {});

  void on_train_begin(Logs& logs) override;
  void on_train_batch_end(int64_t batch, Logs& logs) override;
  // Batch logs are written only with a batch update_freq (the same on every replica).
  bool reads_train_batch_logs() const override { return options_.update_freq.batches() > 0; }
  void on_epoch_end(int epoch, Logs& logs) override;
  void on_test_end(Logs& logs) override;
  void on_train_end(Logs& logs) override;

  const std::string& log_dir() const { return log_dir_; }

 private:
  // The writers are created on first use, so a fit without validation leaves no validation/.
  const summary::SummaryWriterPtr& train_writer();
  const summary::SummaryWriterPtr& val_writer();
  void write_model_summary();
  void write_weight_histograms(int epoch);
  // The optimizer's current learning rate, when the model has an optimizer.
  std::optional<double> learning_rate() const;

  std::string log_dir_;
  TensorBoardOptions options_;
  summary::SummaryWriterPtr train_writer_;
  summary::SummaryWriterPtr val_writer_;
  int64_t global_train_batch_ = 0;
  bool model_summary_written_ = false;
};

}  // namespace tandem
