#include "tandem/io/event_file_writer.h"

#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>

#include "tandem/core/error.h"
#include "tandem/io/tfrecord_writer.h"

namespace tandem::io {

namespace {

// A free file name in `logdir`: TensorFlow's name, or (when two writers start in the same second
// there) the name with ".1", ".2", ... after the host, so no writer truncates another's file.
// TensorBoard reads every file whose name contains "tfevents".
std::string unused_event_path(const std::filesystem::path& logdir, const std::string& suffix) {
  auto seconds = static_cast<int64_t>(wall_time_now());
  std::string host = host_name();
  std::error_code ec;
  for (int n = 0;; ++n) {
    std::string taken_host = host;
    if (n > 0) {
      taken_host += ".";
      taken_host += std::to_string(n);
    }
    std::filesystem::path path = logdir / event_file_name(seconds, taken_host, suffix);
    if (!std::filesystem::exists(path, ec)) return path.string();
  }
}

}  // namespace

std::string event_file_name(int64_t seconds, const std::string& host, const std::string& suffix) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%010" PRId64, seconds);
  std::string name = "events.out.tfevents.";
  name += digits;
  name += ".";
  name += host;
  name += suffix;
  return name;
}

double wall_time_now() {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()) /
         1e6;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

EventFileWriter::EventFileWriter(const std::string& logdir, EventFileWriterOptions options)
    : options_(std::move(options)) {
  TANDEM_CHECK(!logdir.empty(), ValueError, "an event file writer needs a log directory");
  TANDEM_CHECK(options_.max_queue >= 0, ValueError, "max_queue must be 0 or more events, received ",
               options_.max_queue);
  TANDEM_CHECK(options_.flush_millis >= 0, ValueError, "flush_millis must be 0 or more, received ",
               options_.flush_millis);
  std::error_code ec;
  std::filesystem::create_directories(logdir, ec);
  TANDEM_CHECK(!ec, IOError, "cannot create the log directory '", logdir, "': ", ec.message());
  path_ = unused_event_path(logdir, options_.filename_suffix);
  records_ = std::make_unique<TFRecordWriter>(path_);
  last_flush_ = std::chrono::steady_clock::now();
  // The first record says what the file holds, so readers can tell event files apart.
  proto::Event version;
  version.set_wall_time(wall_time_now());
  version.set_file_version(kEventFileVersion);
  version.mutable_source_metadata()->set_writer("tandem");
  std::lock_guard<std::mutex> lock(mutex_);
  write_locked(version);
  records_->flush();
}

EventFileWriter::~EventFileWriter() {
  try {
    close();
  } catch (const Error&) {
    // A destructor must not throw; callers who care call close() themselves.
  }
}

void EventFileWriter::add_event(proto::Event event) {
  if (event.wall_time() == 0) event.set_wall_time(wall_time_now());
  std::lock_guard<std::mutex> lock(mutex_);
  TANDEM_CHECK(records_ != nullptr, IOError, "cannot write to the event file '", path_,
               "': the writer is closed");
  write_locked(event);
  auto now = std::chrono::steady_clock::now();
  if (++pending_ > options_.max_queue ||
      now - last_flush_ >= std::chrono::milliseconds(options_.flush_millis)) {
    records_->flush();
    pending_ = 0;
    last_flush_ = now;
  }
}

void EventFileWriter::write_locked(const proto::Event& event) {
  std::string bytes;
  TANDEM_CHECK(event.SerializeToString(&bytes), IOError, "cannot serialize an event for '", path_,
               "'");
  records_->write(bytes);
}

void EventFileWriter::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (records_ == nullptr) return;
  records_->flush();
  pending_ = 0;
  last_flush_ = std::chrono::steady_clock::now();
}

void EventFileWriter::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (records_ == nullptr) return;
  std::unique_ptr<TFRecordWriter> records = std::move(records_);
  records->close();
}

}  // namespace tandem::io
