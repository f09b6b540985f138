#include "tandem/training/callbacks/model_checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"

namespace tandem {

namespace {

// One "{name:spec}" field: Python's format mini-language for the numeric cases filepaths use.
std::string format_field(const std::string& name, const std::string& spec, double value,
                         bool integral) {
  // No spec: Python's str() of the value.
  if (spec.empty() && !integral) return format_python_float(value);
  static const std::regex spec_re(R"(^(0?)(\d*)(?:\.(\d+))?([dfegs]?)$)");
  std::smatch m;
  TANDEM_CHECK(std::regex_match(spec, m, spec_re), ValueError, "unsupported format spec '", spec,
               "' for '", name, "' in a ModelCheckpoint filepath");
  bool default_type = m[4].str().empty() || m[4].str() == "s";
  char type = m[4].str().empty() ? (integral ? 'd' : 'g') : m[4].str()[0];
  std::string format(1, '%');
  format.append(m[1].str()).append(m[2].str());
  if (m[3].matched) format.append(1, '.').append(m[3].str());
  char buffer[128];
  if (type == 'd') {
    format += "lld";
    std::snprintf(buffer, sizeof buffer, format.c_str(), static_cast<long long>(value));
  } else {
    if (type == 's') type = 'g';
    // A width without a type ("{loss:10}") prints like str(); an explicit 'g' keeps 6 digits.
    if (default_type && !m[3].matched && !integral) format += ".12";
    format += type;
    std::snprintf(buffer, sizeof buffer, format.c_str(), value);
  }
  return buffer;
}

}  // namespace

std::string format_checkpoint_path(const std::string& pattern, int epoch,
                                   std::optional<int64_t> batch, const Logs& logs) {
  static const std::regex field_re(R"(\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\})");
  std::string out;
  auto begin = std::sregex_iterator(pattern.begin(), pattern.end(), field_re);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    out += pattern.substr(last, m.position(0) - last);
    std::string name = m[1].str(), spec = m[2].str();
    if (name == "epoch") {
      out += format_field(name, spec, epoch, true);
    } else if (name == "batch" && batch) {
      out += format_field(name, spec, static_cast<double>(*batch), true);
    } else {
      std::optional<double> value = logs.get(name);
      TANDEM_CHECK(value.has_value(), ValueError, "ModelCheckpoint filepath '", pattern,
                   "' uses '{", name, "}', but the logs hold only [", logs.key_list(),
                   "] (and epoch", batch ? ", batch)" : ")");
      out += format_field(name, spec, *value, false);
    }
    last = m.position(0) + m.length(0);
  }
  return out + pattern.substr(last);
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)),
      options_(std::move(options)),
      monitor_(options_.monitor, options_.mode),
      best_(options_.initial_value_threshold.value_or(monitor_.worst())) {
  TANDEM_CHECK(options_.save_freq >= 0, ValueError,
               "save_freq must be 0 (every epoch) or a number of batches, received ",
               options_.save_freq);
}

void ModelCheckpoint::on_epoch_begin(int epoch, Logs& /*logs*/) { current_epoch_ = epoch; }

void ModelCheckpoint::on_train_batch_end(int64_t batch, Logs& logs) {
  if (options_.save_freq == 0) return;
  if (++batches_since_save_ < options_.save_freq) return;
  batches_since_save_ = 0;
  save(current_epoch_, batch, logs);
}

void ModelCheckpoint::on_epoch_end(int epoch, Logs& logs) {
  if (options_.save_freq == 0) save(epoch, std::nullopt, logs);
}

void ModelCheckpoint::save(int epoch, std::optional<int64_t> batch, const Logs& logs) {
  std::string path = format_checkpoint_path(
      filepath_, epoch + 1, batch ? std::optional<int64_t>(*batch + 1) : std::nullopt, logs);
  if (options_.save_best_only) {
    std::optional<double> current = logs.get(options_.monitor);
    if (!current) {
      err() << "Can save best model only with " << options_.monitor
            << " available, skipping. Available: " << logs.key_list() << "\n";
      return;
    }
    if (!monitor_.improves(*current, best_)) {
      if (options_.verbose > 0 && is_chief()) {
        std::printf("\nEpoch %d: %s did not improve from %.5f\n", epoch + 1,
                    options_.monitor.c_str(), best_);
      }
      return;
    }
    if (options_.verbose > 0 && is_chief()) {
      std::printf("\nEpoch %d: %s improved from %.5f to %.5f, saving model to %s\n", epoch + 1,
                  options_.monitor.c_str(), best_, *current, path.c_str());
    }
    best_ = *current;
  } else if (options_.verbose > 0 && is_chief()) {
    std::printf("\nEpoch %d: saving model to %s\n", epoch + 1, path.c_str());
  }
  // The chief writes; the others wait for it, so no replica reads a file still being written.
  if (is_chief()) write(path);
  distributed::get_strategy().barrier();
}

void ModelCheckpoint::write(const std::string& path) {
  // "ckpts/{epoch:02d}.tdm": the folder is created on the first save, as Keras does.
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  TANDEM_CHECK(!ec, IOError, "ModelCheckpoint could not create the folder '", parent.string(),
               "': ", ec.message());
  if (options_.save_weights_only) {
    trainer().save_weights(path);
  } else {
    trainer().save(path);
  }
}

}  // namespace tandem
