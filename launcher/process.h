// Process plumbing shared by tandemrun and its rank wrapper: a signal self-pipe, child start,
// full writes, a monotonic clock, line splitting.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tandem::launcher {

// Installs handlers for `signals` that write the signal number into a pipe; returns its read end
// (non-blocking). SIGPIPE is ignored. Call once per process.
int install_signal_pipe(const std::vector<int>& signals);

// Reads the pending signal numbers from the pipe.
std::vector<int> take_signals(int signal_fd);

struct Child {
  pid_t pid = -1;
  int out_fd = -1;  // the child's stdout, read end
  int err_fd = -1;  // the child's stderr, read end
};

// Starts argv[0] (a path) with stdout and stderr on fresh pipes. stdin is /dev/null when
// null_stdin. In the child: default signal dispositions, an empty signal mask, its own process
// group when own_group, and SIGTERM when this process dies. An exec failure prints
// "tandemrun: cannot run <path>: <reason>" on the child's stderr and exits 127.
Child start_child(const std::vector<std::string>& argv, bool own_group, bool null_stdin);

// write(2) until done; gives up silently on errors (a closed terminal must not stop a job).
void write_all(int fd, const std::string& data);

double now_seconds();  // monotonic

// The signal's name, like "SIGKILL".
std::string signal_name(int sig);

// Splits a stream into lines: feed() appends bytes and calls on_line for each complete line
// (without '\n'); finish() delivers a last unterminated line.
class LineSplitter {
 public:
  explicit LineSplitter(std::function<void(const std::string&)> on_line)
      : on_line_(std::move(on_line)) {}
  void feed(const char* data, size_t size);
  void finish();
  const std::string& pending() const { return pending_; }
  std::string take_pending() { return std::exchange(pending_, std::string()); }

 private:
  std::function<void(const std::string&)> on_line_;
  std::string pending_;
};

}  // namespace tandem::launcher
