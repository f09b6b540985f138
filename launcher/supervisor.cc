#include "supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "process.h"
#include "report.h"

namespace tandem::launcher {
namespace {

constexpr double kKillGraceSeconds = 10.0;  // after SIGTERM to the launcher, then SIGKILL
constexpr double kDrainSeconds = 2.0;       // output still read after the launcher exits
constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string describe_end(int exit_code, int sig) {
  if (sig != 0) return "signal " + std::to_string(sig) + " (" + signal_name(sig) + ")";
  return "exit code " + std::to_string(exit_code);
}

std::string format_seconds(double s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

// A failure the launcher itself describes, for a rank that could not report (its wrapper was
// killed): Open MPI's "process rank 1 with PID 7 on node n1 exited on signal 9", srun's
// "srun: error: n1: task 1: Exited with exit code 3" / "...: task 1: Killed".
struct LauncherNotice {
  int rank = -1;
  std::string host;
  int exit_code = 0;
  int signal = 0;
};

std::optional<LauncherNotice> parse_launcher_notice(const std::string& line) {
  static const std::regex ompi(
      R"(process rank (\d+) with PID \d+ on node (\S+) exited on signal (\d+))");
  static const std::regex srun_code(
      R"(srun: error: (\S+): tasks? (\d+)\S*: Exited with exit code (\d+))");
  static const std::regex srun_killed(R"(srun: error: (\S+): tasks? (\d+)\S*: Killed)");
  std::smatch m;
  if (std::regex_search(line, m, ompi)) {
    return LauncherNotice{std::stoi(m[1]), m[2], 0, std::stoi(m[3])};
  }
  if (std::regex_search(line, m, srun_code)) {
    return LauncherNotice{std::stoi(m[2]), m[1], std::stoi(m[3]), 0};
  }
  if (std::regex_search(line, m, srun_killed)) {
    return LauncherNotice{std::stoi(m[2]), m[1], 0, SIGKILL};
  }
  return std::nullopt;
}

}  // namespace

AttemptResult run_attempt(const LaunchPlan& plan, const Options& o, int restart, int signal_fd) {
  AttemptResult result;
  Child child = start_child(plan.argv(restart), /*own_group=*/false, /*null_stdin=*/true);
  const double start = now_seconds();
  const double deadline = o.timeout_s > 0 ? start + o.timeout_s : kInfinity;

  std::map<int, std::string> hosts;
  std::map<int, RankReport> exits;
  std::optional<RankReport> first_failure;
  std::optional<LauncherNotice> notice;
  bool timed_out = false;
  int stop_signal = 0;
  std::vector<int> unfinished;  // at the timeout
  double kill_at = kInfinity;
  bool exited = false;
  int status = 0;
  double exit_time = 0;

  const std::string prefix = kReportPrefix;
  auto on_line = [&](int out) {
    return [&, out](const std::string& line) {
      if (auto report = parse_report(line)) {
        hosts[report->rank] = report->host;
        if (report->kind == RankReport::Kind::kExit) {
          exits[report->rank] = *report;
          bool failed = report->exit_code != 0 || report->signal != 0;
          // Ranks ended by tandemrun itself (timeout, interrupt) are not "the first failure".
          if (failed && !first_failure && !timed_out && stop_signal == 0) first_failure = report;
        }
        return;
      }
      if (!notice) notice = parse_launcher_notice(line);
      write_all(out, line + "\n");
    };
  };
  struct Stream {
    int fd;
    int out;
    LineSplitter lines;
    bool open = true;
  };
  Stream streams[2] = {{child.out_fd, 1, LineSplitter(on_line(1))},
                       {child.err_fd, 2, LineSplitter(on_line(2))}};

  char buf[65536];
  while (!exited || streams[0].open || streams[1].open) {
    double now = now_seconds();
    double wake = std::min(kill_at, timed_out ? kInfinity : deadline);
    if (exited) {
      if (now - exit_time >= kDrainSeconds) break;
      wake = std::min(wake, exit_time + kDrainSeconds);
    }
    int timeout_ms = wake == kInfinity
                         ? 500
                         : static_cast<int>(std::min(500.0, std::max(0.0, wake - now) * 1000)) + 1;
    pollfd fds[3] = {{signal_fd, POLLIN, 0},
                     {streams[0].open ? streams[0].fd : -1, POLLIN, 0},
                     {streams[1].open ? streams[1].fd : -1, POLLIN, 0}};
    int n = poll(fds, 3, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    for (int sig : take_signals(signal_fd)) {
      if (sig == SIGCHLD || exited) continue;
      kill(child.pid, sig);  // mpirun and srun pass SIGUSR1/SIGUSR2 on to the ranks
      if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
        if (stop_signal == 0) stop_signal = sig;
        kill_at = std::min(kill_at, now_seconds() + kKillGraceSeconds);
      }
    }
    if (!exited && waitpid(child.pid, &status, WNOHANG) == child.pid) {
      exited = true;
      exit_time = now_seconds();
    }
    if (!exited && !timed_out && stop_signal == 0 && now_seconds() >= deadline) {
      timed_out = true;
      for (int r = 0; r < o.np; ++r) {
        if (!exits.count(r)) unfinished.push_back(r);
      }
      kill(child.pid, SIGTERM);
      kill_at = now_seconds() + kKillGraceSeconds;
    }
    if (!exited && now_seconds() >= kill_at) {
      kill(child.pid, SIGKILL);
      kill_at = kInfinity;
    }
    for (int k = 0; k < 2; ++k) {
      Stream& st = streams[k];
      if (!st.open || (fds[k + 1].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = read(st.fd, buf, sizeof buf);
      if (got > 0) {
        st.lines.feed(buf, static_cast<size_t>(got));
        // A partial line that cannot be a report is passed on at once (prompts, progress).
        const std::string& rest = st.lines.pending();
        bool maybe_report = rest.size() < prefix.size()
                                ? prefix.compare(0, rest.size(), rest) == 0
                                : rest.compare(0, prefix.size(), prefix) == 0;
        if (!rest.empty() && !maybe_report) write_all(st.out, st.lines.take_pending());
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        st.open = false;
        st.lines.finish();
        close(st.fd);
      }
    }
  }
  for (Stream& st : streams) {
    if (st.open) {
      st.lines.finish();
      close(st.fd);
    }
  }
  if (!exited) {
    while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  int launcher_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);

  auto log_of = [&](int rank) {
    return o.output_dir.empty()
               ? std::string()
               : " (log: " + o.output_dir + "/rank-" + std::to_string(rank) + ".log)";
  };
  auto host_of = [&](int rank) {
    auto it = hosts.find(rank);
    return it == hosts.end() ? std::string("an unknown host") : "host " + it->second;
  };
  auto tail_of = [&](int rank) {
    std::string text;
    auto it = exits.find(rank);
    if (it == exits.end()) return text;
    for (const auto& line : it->second.tail) text += "\n  [" + std::to_string(rank) + "] " + line;
    return text;
  };

  if (stop_signal != 0) {
    result.interrupted = true;
    result.exit_status = 128 + stop_signal;
    result.summary = "tandemrun: stopped by " + signal_name(stop_signal) + "; the job was ended";
  } else if (timed_out) {
    result.exit_status = 124;
    std::string names;
    for (size_t i = 0; i < unfinished.size(); ++i) {
      names +=
          (i ? ", " : "") + std::to_string(unfinished[i]) + " (" + host_of(unfinished[i]) + ")";
    }
    result.summary = "tandemrun: timeout after " + format_seconds(o.timeout_s) + " s: rank" +
                     (unfinished.size() == 1 ? " " : "s ") + names + " had" +
                     " not finished; the job was ended";
    if (!unfinished.empty()) {
      std::string tail = tail_of(unfinished[0]);
      if (!tail.empty()) {
        result.summary += "; last lines of rank " + std::to_string(unfinished[0]) +
                          log_of(unfinished[0]) + ":" + tail;
      }
    }
  } else if (first_failure) {
    const RankReport& f = *first_failure;
    result.exit_status = f.signal ? 128 + f.signal : f.exit_code;
    result.summary = "tandemrun: rank " + std::to_string(f.rank) + " failed first, on host " +
                     f.host + ", with " + describe_end(f.exit_code, f.signal) + log_of(f.rank);
    std::string tail = tail_of(f.rank);
    result.summary += tail.empty() ? "; it printed nothing" : "; its last lines:" + tail;
  } else if (launcher_status != 0 && notice) {
    result.exit_status = notice->signal ? 128 + notice->signal : notice->exit_code;
    if (result.exit_status == 0) result.exit_status = launcher_status;
    result.summary = "tandemrun: rank " + std::to_string(notice->rank) + " failed first, on host " +
                     notice->host + ", with " + describe_end(notice->exit_code, notice->signal) +
                     log_of(notice->rank) + " (reported by " + plan.launcher_name() + ")";
  } else if (launcher_status != 0) {
    result.exit_status = launcher_status;
    std::string missing;
    for (int r = 0; r < o.np; ++r) {
      if (!exits.count(r)) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    }
    std::string how = WIFSIGNALED(status) ? "was killed by " + describe_end(0, WTERMSIG(status))
                                          : "exited with status " + std::to_string(launcher_status);
    result.summary = "tandemrun: " + plan.launcher_name() + " " + how;
    if (exits.empty()) {
      result.summary += " before any rank reported (see its messages above)";
    } else if (!missing.empty()) {
      result.summary += "; rank(s) " + missing + " did not report how they ended";
    } else {
      result.summary += " although every rank ended with 0";
    }
  } else {
    result.success = true;
  }
  return result;
}

}  // namespace tandem::launcher
