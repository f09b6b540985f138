#include "tandem/training/callbacks/csv_logger.h"

#include <algorithm>
#include <filesystem>

#include "tandem/core/error.h"

namespace tandem {

CSVLogger::CSVLogger(std::string filename, std::string separator, bool append)
    : filename_(std::move(filename)), separator_(std::move(separator)), append_(append) {}

void CSVLogger::on_train_begin(Logs& /*logs*/) {
  if (!is_chief()) return;  // the chief alone writes the file
  namespace fs = std::filesystem;
  std::error_code ec;
  write_header_ = !(append_ && fs::exists(filename_, ec) && fs::file_size(filename_, ec) > 0);
  keys_.clear();
  // A fit that threw leaves the file open (no on_train_end): start over rather than fail.
  if (file_.is_open()) file_.close();
  file_.clear();
  file_.open(filename_, append_ ? std::ios::app : std::ios::trunc);
  TANDEM_CHECK(file_.good(), IOError, "CSVLogger could not open '", filename_, "' for writing");
}

void CSVLogger::on_epoch_end(int epoch, Logs& logs) {
  if (!is_chief()) return;
  if (keys_.empty()) {
    for (const auto& [key, value] : logs.items()) keys_.push_back(key);
    std::sort(keys_.begin(), keys_.end());
  }
  if (write_header_) {
    file_ << "epoch";
    for (const auto& key : keys_) file_ << separator_ << key;
    file_ << "\n";
    write_header_ = false;
  }
  file_ << epoch;
  // Values as Python's csv module writes floats (str). Keys missing from this epoch (validation
  // that did not run) are written as NA, as Keras does.
  for (const auto& key : keys_) {
    std::optional<double> value = logs.get(key);
    file_ << separator_ << (value ? format_python_float(*value) : "NA");
  }
  file_ << "\n" << std::flush;
  TANDEM_CHECK(file_.good(), IOError, "CSVLogger failed writing to '", filename_, "'");
}

void CSVLogger::on_train_end(Logs& /*logs*/) { file_.close(); }

}  // namespace tandem
