#include "tandem/io/summary_writer.h"

#include "tandem/core/error.h"
#include "tandem/distributed/strategy.h"

namespace tandem::summary {

namespace {

// Python keeps the default writer and step in the thread's eager context; so do we.
thread_local SummaryWriterPtr tls_default_writer;
thread_local std::optional<int64_t> tls_default_step;

}  // namespace

SummaryWriter::SummaryWriter(const std::string& logdir, io::EventFileWriterOptions options) {
  if (!logdir.empty()) file_ = std::make_unique<io::EventFileWriter>(logdir, std::move(options));
}

SummaryWriter::Scope::Scope(SummaryWriterPtr previous, std::optional<int64_t> previous_step)
    : previous_(std::move(previous)), previous_step_(previous_step) {}

SummaryWriter::Scope::~Scope() {
  tls_default_writer = std::move(previous_);
  tls_default_step = previous_step_;
}

SummaryWriter::Scope SummaryWriter::as_default(std::optional<int64_t> step) {
  SummaryWriterPtr previous = tls_default_writer;
  std::optional<int64_t> previous_step = tls_default_step;
  set_as_default(step);
  return Scope(std::move(previous), previous_step);
}

void SummaryWriter::set_as_default(std::optional<int64_t> step) {
  tls_default_writer = shared_from_this();
  if (step) tls_default_step = step;
}

bool SummaryWriter::write(proto::Summary::Value value, int64_t step) {
  if (file_ == nullptr || closed_) return false;
  proto::Event event;
  event.set_step(step);
  *event.mutable_summary()->add_value() = std::move(value);
  file_->add_event(std::move(event));
  return true;
}

void SummaryWriter::flush() {
  if (file_ != nullptr) file_->flush();
}

void SummaryWriter::close() {
  closed_ = true;
  if (file_ != nullptr) file_->close();
}

SummaryWriterPtr create_file_writer(const std::string& logdir, FileWriterOptions options) {
  TANDEM_CHECK(!logdir.empty(), ValueError, "create_file_writer needs a log directory");
  if (!options.all_replicas && !distributed::get_strategy().is_chief()) {
    return create_noop_writer();
  }
  return std::make_shared<SummaryWriter>(
      logdir, io::EventFileWriterOptions{.max_queue = options.max_queue,
                                         .flush_millis = options.flush_millis,
                                         .filename_suffix = std::move(options.filename_suffix)});
}

SummaryWriterPtr create_noop_writer() {
  return std::make_shared<SummaryWriter>(std::string(), io::EventFileWriterOptions{});
}

SummaryWriterPtr default_writer() { return tls_default_writer; }

namespace experimental {
std::optional<int64_t> get_step() { return tls_default_step; }
void set_step(std::optional<int64_t> step) { tls_default_step = step; }
}  // namespace experimental

}  // namespace tandem::summary
