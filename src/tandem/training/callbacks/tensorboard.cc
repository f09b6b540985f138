#include "tandem/training/callbacks/tensorboard.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "tandem/core/error.h"
#include "tandem/io/summary.h"

namespace tandem {

UpdateFreq::UpdateFreq(int64_t batches) : batches_(batches) {
  TANDEM_CHECK(batches >= 0, ValueError,
               "TensorBoard update_freq must be \"epoch\", \"batch\" or a number of batches >= 1, "
               "received ",
               batches);
}

UpdateFreq::UpdateFreq(const std::string& name) {
  if (name == "batch") {
    batches_ = 1;
    return;
  }
  TANDEM_CHECK(name == "epoch", ValueError,
               "TensorBoard update_freq must be \"epoch\", \"batch\" or a number of batches, "
               "received \"",
               name, "\"");
}

TensorBoard::TensorBoard(std::string log_dir, TensorBoardOptions options)
    : log_dir_(std::move(log_dir)), options_(options) {
  TANDEM_CHECK(!log_dir_.empty(), ValueError, "TensorBoard needs a log_dir");
  TANDEM_CHECK(options_.histogram_freq >= 0, ValueError,
               "TensorBoard histogram_freq must be 0 (no histograms) or a number of epochs, "
               "received ",
               options_.histogram_freq);
}

const summary::SummaryWriterPtr& TensorBoard::train_writer() {
  if (train_writer_ == nullptr) {
    train_writer_ =
        summary::create_file_writer((std::filesystem::path(log_dir_) / "train").string());
  }
  return train_writer_;
}

const summary::SummaryWriterPtr& TensorBoard::val_writer() {
  if (val_writer_ == nullptr) {
    val_writer_ =
        summary::create_file_writer((std::filesystem::path(log_dir_) / "validation").string());
  }
  return val_writer_;
}

std::optional<double> TensorBoard::learning_rate() const {
  if (!has_model()) return std::nullopt;
  optimizers::OptimizerPtr optimizer = trainer().optimizer();
  if (optimizer == nullptr) return std::nullopt;
  return optimizer->learning_rate();
}

void TensorBoard::on_train_begin(Logs& /*logs*/) {
  global_train_batch_ = 0;
  model_summary_written_ = false;
}

void TensorBoard::on_train_batch_end(int64_t /*batch*/, Logs& logs) {
  if (!is_chief()) return;  // the chief alone writes (the writers would drop it anyway)
  ++global_train_batch_;
  // After the first step the model is built, so its summary has every shape (Keras writes its
  // graph at this moment too).
  if (options_.write_graph && !model_summary_written_) {
    write_model_summary();
    model_summary_written_ = true;
  }
  int64_t every = options_.update_freq.batches();
  if (every == 0 || global_train_batch_ % every != 0) return;
  auto scope = train_writer()->as_default(global_train_batch_);
  for (const auto& [key, value] : logs.items()) summary::scalar("batch_" + key, value);
  if (!logs.contains("learning_rate")) {
    if (std::optional<double> lr = learning_rate()) summary::scalar("batch_learning_rate", *lr);
  }
}

void TensorBoard::on_epoch_end(int epoch, Logs& logs) {
  if (!is_chief()) return;
  bool has_validation = false;
  {
    auto scope = train_writer()->as_default(epoch);
    for (const auto& [key, value] : logs.items()) {
      if (key.rfind("val_", 0) == 0) {
        has_validation = true;
      } else {
        summary::scalar("epoch_" + key, value);
      }
    }
    if (!logs.contains("learning_rate")) {
      if (std::optional<double> lr = learning_rate()) summary::scalar("epoch_learning_rate", *lr);
    }
  }
  if (has_validation) {
    auto scope = val_writer()->as_default(epoch);
    for (const auto& [key, value] : logs.items()) {
      if (key.rfind("val_", 0) != 0) continue;
      std::string tag = "epoch_";
      tag.append(key, 4);  // without "val_"
      summary::scalar(tag, value);
    }
    val_writer()->flush();
  }
  if (options_.histogram_freq > 0 && epoch % options_.histogram_freq == 0) {
    write_weight_histograms(epoch);
  }
  // Each epoch is visible in TensorBoard as soon as it ends, not only after flush_millis.
  train_writer()->flush();
}

void TensorBoard::on_test_end(Logs& logs) {
  if (!is_chief() || !has_model()) return;
  optimizers::OptimizerPtr optimizer = trainer().optimizer();
  if (optimizer == nullptr) return;
  auto scope = val_writer()->as_default(optimizer->iterations().item<int64_t>());
  for (const auto& [key, value] : logs.items()) {
    summary::scalar("evaluation_" + key + "_vs_iterations", value);
  }
}

void TensorBoard::on_train_end(Logs& /*logs*/) {
  // Keras closes its writers here; a later fit opens new event files.
  for (summary::SummaryWriterPtr* writer : {&train_writer_, &val_writer_}) {
    if (*writer != nullptr) (*writer)->close();
    writer->reset();
  }
}

void TensorBoard::write_model_summary() {
  std::string summary;
  try {
    summary = trainer().summary_string();
  } catch (const Error& e) {
    // A model whose summary cannot be drawn still trains and logs its scalars.
    err() << "TensorBoard: no model summary written: " << e.what() << "\n";
    return;
  }
  // Indented four spaces: TensorBoard renders text summaries as Markdown, and this keeps the
  // table a preformatted block.
  std::istringstream table(summary);
  std::string markdown, line;
  while (std::getline(table, line)) {
    markdown += "    ";
    markdown += line;
    markdown += "\n";
  }
  auto scope = train_writer()->as_default(0);
  summary::text("model_summary", markdown);
}

void TensorBoard::write_weight_histograms(int epoch) {
  auto scope = train_writer()->as_default(epoch);
  // Keras walks model.layers and each layer's weights; the model's weights are the same set.
  for (const Variable& weight : trainer().weights()) {
    // Keras's tag: the weight's name with ':' made '_', then "/histogram" so the tag cannot
    // collide with a scalar of the same name.
    std::string tag = weight.name();
    std::replace(tag.begin(), tag.end(), ':', '_');
    summary::histogram(tag + "/histogram", weight.value());
  }
}

}  // namespace tandem
