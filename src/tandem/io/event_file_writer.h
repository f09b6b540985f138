// The TensorBoard event writer (tf.summary's EventFileWriter): one TFRecord file of Event protos
// per writer, named events.out.tfevents.<seconds>.<host><suffix> in its log directory, whose first
// event announces file_version "brain.Event:2" as TensorFlow's writer does. Events are buffered
// and flushed every `max_queue` events or `flush_millis` milliseconds, and on flush()/close().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tandem/io/proto/event.pb.h"

namespace tandem::io {

class TFRecordWriter;

inline constexpr char kEventFileVersion[] = "brain.Event:2";

struct EventFileWriterOptions {
  int max_queue = 10;              // events held before they are flushed to the file
  int64_t flush_millis = 120'000;  // the longest an event stays unflushed (checked on writes)
  std::string filename_suffix = "";
};

class EventFileWriter {
 public:
  // Creates `logdir` (and its parents) and the event file; IOError naming the path on failure.
  explicit EventFileWriter(const std::string& logdir, EventFileWriterOptions options = {});
  ~EventFileWriter();
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Appends one event (its wall_time is set to now when it is 0). Thread-safe. IOError after
  // close().
  void add_event(proto::Event event);
  void flush();
  // Flushes and closes the file; idempotent.
  void close();
  const std::string& path() const { return path_; }

 private:
  void write_locked(const proto::Event& event);

  EventFileWriterOptions options_;
  std::string path_;
  std::unique_ptr<TFRecordWriter> records_;
  std::mutex mutex_;
  int pending_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
};

// "events.out.tfevents.<seconds, at least 10 digits>.<host><suffix>", TensorFlow's file name.
std::string event_file_name(int64_t seconds, const std::string& host, const std::string& suffix);

// The seconds since the Unix epoch, with microseconds (an Event's wall_time).
double wall_time_now();

// This machine's host name ("localhost" when it cannot be read).
std::string host_name();

}  // namespace tandem::io
