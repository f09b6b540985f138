// tf.summary's writers: create_file_writer(logdir) gives a SummaryWriter (held by shared_ptr), and
// `auto scope = writer->as_default(step);` makes it the thread's default writer (with a default
// step) for the summary ops of tandem/io/summary.h until the scope ends, as Python's
// `with writer.as_default(step):` does.
//
// Under data parallelism (DESIGN section 4) only the chief replica writes: on the other replicas
// create_file_writer returns a writer that creates no file and drops every summary, so a custom
// training loop logs once per job without a rank test.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tandem/io/event_file_writer.h"
#include "tandem/io/proto/summary.pb.h"

namespace tandem::summary {

// tf.summary.create_file_writer's arguments.
struct FileWriterOptions {
  int max_queue = 10;              // summaries held before a flush
  int64_t flush_millis = 120'000;  // the longest a summary stays unflushed (checked on writes)
  std::string filename_suffix = "";
  // Tandem's addition: write on every replica, not only the chief (give each its own logdir).
  bool all_replicas = false;
};

class SummaryWriter : public std::enable_shared_from_this<SummaryWriter> {
 public:
  // Restores the previous default writer and step when it ends.
  class [[nodiscard]] Scope {
   public:
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    friend class SummaryWriter;
    Scope(std::shared_ptr<SummaryWriter> previous, std::optional<int64_t> previous_step);
    std::shared_ptr<SummaryWriter> previous_;
    std::optional<int64_t> previous_step_;
  };

  // A writer to `logdir`, or one that drops everything when `logdir` is empty.
  SummaryWriter(const std::string& logdir, io::EventFileWriterOptions options);

  // The default writer of this thread until the scope ends; with `step`, also the default step.
  Scope as_default(std::optional<int64_t> step = std::nullopt);
  // The default writer of this thread from now on (tf's writer.set_as_default()).
  void set_as_default(std::optional<int64_t> step = std::nullopt);

  // Appends one value at `step`. Returns false when this writer drops summaries (a non-chief
  // replica, or closed). Thread-safe.
  bool write(proto::Summary::Value value, int64_t step);
  void flush();
  // Flushes and closes the file; later writes are dropped (tf's writer.close()).
  void close();
  // False on a writer that drops everything (a non-chief replica, create_noop_writer()).
  bool writes() const { return file_ != nullptr; }
  // The event file's path; empty when this writer writes nothing.
  std::string path() const { return file_ ? file_->path() : std::string(); }

 private:
  std::unique_ptr<io::EventFileWriter> file_;
  std::atomic<bool> closed_ = false;
};

using SummaryWriterPtr = std::shared_ptr<SummaryWriter>;

// tf.summary.create_file_writer: creates `logdir` and an event file in it (on the chief only,
// unless options.all_replicas). IOError naming the folder when it cannot be created.
SummaryWriterPtr create_file_writer(const std::string& logdir, FileWriterOptions options = {});
// tf.summary.create_noop_writer: a writer that writes nothing.
SummaryWriterPtr create_noop_writer();

// The default writer of this thread (nullptr when none), and its default step.
SummaryWriterPtr default_writer();

namespace experimental {
// tf.summary.experimental.get_step / set_step: the step summary ops use when given none.
std::optional<int64_t> get_step();
void set_step(std::optional<int64_t> step);
}  // namespace experimental

}  // namespace tandem::summary
