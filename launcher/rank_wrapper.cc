#include "rank_wrapper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>

#include "hosts.h"
#include "kernels/common/threads_per_rank.h"
#include "process.h"
#include "report.h"

namespace tandem::launcher {
namespace {

constexpr size_t kTailLines = 10;
constexpr double kDrainSeconds = 1.0;  // output still read after the program exits
constexpr double kTermGraceSeconds = 5.0;

std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*end != '\0') return std::nullopt;
  return static_cast<int>(n);
}

std::optional<int> first_env_int(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto v = env_int(name)) return v;
  }
  return std::nullopt;
}

// Slurm's "2(x3),1" for SLURM_NODEID 3 -> 1.
std::optional<int> slurm_tasks_on_this_node() {
  const char* spec = std::getenv("SLURM_STEP_TASKS_PER_NODE");
  if (spec == nullptr) spec = std::getenv("SLURM_TASKS_PER_NODE");
  auto node = env_int("SLURM_NODEID");
  if (spec == nullptr || !node) return std::nullopt;
  std::string text = spec;
  int index = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int count = std::atoi(item.c_str());
    int repeat = 1;
    size_t x = item.find("(x");
    if (x != std::string::npos) repeat = std::atoi(item.c_str() + x + 2);
    if (*node < index + repeat) return count;
    index += repeat;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

struct Settings {
  std::string threads = "auto";
  int gpus = 0;
  std::string log_dir;
  bool tag = false;
  int restart = 0;
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> program;
};

Settings parse(const std::vector<std::string>& args) {
  Settings s;
  size_t i = 0;
  auto next = [&](const char* flag) -> std::string {
    if (i + 1 >= args.size()) throw std::runtime_error(std::string(flag) + " expects a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      ++i;
      break;
    } else if (a == "--threads") {
      s.threads = next("--threads");
    } else if (a == "--gpus") {
      s.gpus = std::atoi(next("--gpus").c_str());
    } else if (a == "--log-dir") {
      s.log_dir = next("--log-dir");
    } else if (a == "--tag-output") {
      s.tag = true;
    } else if (a == "--restart") {
      s.restart = std::atoi(next("--restart").c_str());
    } else if (a == "--env") {
      std::string kv = next("--env");
      size_t eq = kv.find('=');
      if (eq == std::string::npos) throw std::runtime_error("--env expects NAME=VALUE");
      s.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else {
      throw std::runtime_error("unknown wrapper option '" + a + "'");
    }
  }
  for (; i < args.size(); ++i) s.program.push_back(args[i]);
  if (s.program.empty()) throw std::runtime_error("no program after --");
  return s;
}

void set_env(const std::string& name, const std::string& value) {
  setenv(name.c_str(), value.c_str(), 1);
}

// CUDA_VISIBLE_DEVICES for local rank l with G GPUs per node: the (l % G)-th of the node's GPUs.
void bind_gpu(int gpus, int local_rank, int local_size) {
  std::vector<std::string> devices;
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (visible != nullptr && *visible != '\0') {
    std::string text = visible;
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      devices.push_back(
          text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (static_cast<int>(devices.size()) > gpus) devices.resize(static_cast<size_t>(gpus));
  } else {
    for (int g = 0; g < gpus; ++g) devices.push_back(std::to_string(g));
  }
  set_env("CUDA_VISIBLE_DEVICES", devices[static_cast<size_t>(local_rank) % devices.size()]);
  if (local_rank == 0 && local_size > static_cast<int>(devices.size())) {
    write_all(2, "tandemrun: warning: " + std::to_string(local_size) + " ranks on " + host_name() +
                     " share " + std::to_string(devices.size()) + " GPUs\n");
  }
}

}  // namespace

int run_rank_wrapper(const std::vector<std::string>& args) {
  Settings s;
  try {
    s = parse(args);
  } catch (const std::exception& e) {
    write_all(2, std::string("tandemrun --rank-wrapper: ") + e.what() + "\n");
    return 2;
  }
  auto rank = first_env_int({"OMPI_COMM_WORLD_RANK", "SLURM_PROCID", "PMIX_RANK", "PMI_RANK"});
  if (!rank) {
    write_all(2,
              "tandemrun --rank-wrapper: no rank in the environment (OMPI_COMM_WORLD_RANK, "
              "SLURM_PROCID, PMIX_RANK): tandemrun starts the wrapper through mpirun or srun\n");
    return 2;
  }
  int local_rank =
      first_env_int({"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"}).value_or(0);
  std::optional<int> local_size = env_int("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (!local_size) local_size = slurm_tasks_on_this_node();
  int ranks_here = local_size && *local_size > 0 ? *local_size : 1;
  std::string host = host_name();

  // Threads: the given count; else an OMP_NUM_THREADS already in the rank's environment; else
  // the library's own rule: the CPUs of this rank's affinity mask shared among the node's ranks
  // that share them (so a rank bound to a socket keeps its share of that socket).
  std::string threads = s.threads;
  if (threads == "auto") {
    const char* omp = std::getenv("OMP_NUM_THREADS");
    threads = (omp != nullptr && *omp != '\0')
                  ? std::string(omp)
                  : std::to_string(kernels::threads_per_rank(local_cpu_count(),
                                                             node_hardware_threads(), ranks_here));
    set_env("OMP_NUM_THREADS", threads);
    for (const char* blas : {"OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
      if (std::getenv(blas) == nullptr) set_env(blas, threads);
    }
  } else {
    for (const char* name : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
      set_env(name, threads);
    }
  }
  if (s.gpus > 0) bind_gpu(s.gpus, local_rank, ranks_here);
  for (const auto& [name, value] : s.env) set_env(name, value);
  set_env("TANDEM_RESTART_COUNT", std::to_string(s.restart));

  int log_fd = -1;
  if (!s.log_dir.empty()) {
    std::string path = s.log_dir + "/rank-" + std::to_string(*rank) + ".log";
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (s.restart > 0 ? O_APPEND : O_TRUNC);
    log_fd = open(path.c_str(), flags, 0644);
    if (log_fd < 0) {
      write_all(2, "tandemrun: rank " + std::to_string(*rank) + " on " + host + ": cannot write " +
                       path + ": " + std::strerror(errno) + "\n");
    } else if (s.restart > 0) {
      write_all(log_fd, "--- tandemrun: restart " + std::to_string(s.restart) + " ---\n");
    }
  }

  prctl(PR_SET_PDEATHSIG, SIGTERM);  // the launcher's daemon died: end the program too
  int sig_fd = install_signal_pipe({SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2});
  RankReport start;
  start.rank = *rank;
  start.host = host;
  write_all(2, format_report(start));

  Child child;
  try {
    child = start_child(s.program, /*own_group=*/true, /*null_stdin=*/false);
  } catch (const std::exception& e) {
    write_all(2, std::string("tandemrun: ") + e.what() + "\n");
    return 1;
  }

  std::deque<std::string> tail;
  std::string prefix = std::to_string(*rank);  // "[r] " (built in steps: GCC 12's -Wrestrict)
  prefix.insert(prefix.begin(), '[');
  prefix += "] ";
  struct Stream {
    int fd;
    int out;
    LineSplitter lines;
    bool open = true;
  };
  auto on_line = [&](int out) {
    return [&, out](const std::string& raw) {
      std::string line = raw;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t cr = line.rfind('\r');  // a redrawn progress line: its last state
      if (cr != std::string::npos) line.erase(0, cr + 1);
      tail.push_back(line);
      if (tail.size() > kTailLines) tail.pop_front();
      if (s.tag) write_all(out, prefix + raw + "\n");
    };
  };
  Stream streams[2] = {{child.out_fd, 1, LineSplitter(on_line(1))},
                       {child.err_fd, 2, LineSplitter(on_line(2))}};

  bool exited = false;
  int status = 0;
  double exit_time = 0;
  double kill_at = std::numeric_limits<double>::infinity();
  char buf[65536];
  while (!exited || streams[0].open || streams[1].open) {
    double now = now_seconds();
    double wake = kill_at;
    if (exited) {
      if (now - exit_time >= kDrainSeconds) break;
      wake = std::min(wake, exit_time + kDrainSeconds);
    }
    int timeout_ms = -1;
    if (wake != std::numeric_limits<double>::infinity()) {
      timeout_ms = static_cast<int>(std::max(0.0, (wake - now) * 1000.0)) + 1;
    }
    pollfd fds[3] = {{sig_fd, POLLIN, 0},
                     {streams[0].open ? streams[0].fd : -1, POLLIN, 0},
                     {streams[1].open ? streams[1].fd : -1, POLLIN, 0}};
    int n = poll(fds, 3, timeout_ms);
    if (n < 0 && errno != EINTR) break;
    for (int sig : take_signals(sig_fd)) {
      if (sig == SIGCHLD) {
        continue;
      }
      // Stop signals go to the program's whole process group, as a terminal's would; SIGUSR1 and
      // SIGUSR2 (Slurm's --signal) to the program alone, whose helpers may not handle them.
      bool to_group = sig != SIGUSR1 && sig != SIGUSR2;
      if (!exited) kill(to_group ? -child.pid : child.pid, sig);
      if ((sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) && !exited) {
        kill_at = std::min(kill_at, now_seconds() + kTermGraceSeconds);
      }
    }
    if (!exited) {
      pid_t done = waitpid(child.pid, &status, WNOHANG);
      if (done == child.pid) {
        exited = true;
        exit_time = now_seconds();
      }
    }
    if (!exited && now_seconds() >= kill_at) {
      kill(-child.pid, SIGKILL);
      kill_at = std::numeric_limits<double>::infinity();
    }
    for (int k = 0; k < 2; ++k) {
      Stream& st = streams[k];
      if (!st.open || (fds[k + 1].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t got = read(st.fd, buf, sizeof buf);
      if (got > 0) {
        std::string chunk(buf, static_cast<size_t>(got));
        if (log_fd >= 0) write_all(log_fd, chunk);
        if (!s.tag) write_all(st.out, chunk);
        st.lines.feed(buf, static_cast<size_t>(got));
        if (st.lines.pending().size() > sizeof buf) st.lines.finish();
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
  kill(-child.pid, SIGKILL);  // whatever the program left behind in its process group
  if (!exited) {
    while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (log_fd >= 0) close(log_fd);

  RankReport report;
  report.kind = RankReport::Kind::kExit;
  report.rank = *rank;
  report.host = host;
  if (WIFSIGNALED(status)) {
    report.signal = WTERMSIG(status);
  } else {
    report.exit_code = WEXITSTATUS(status);
  }
  report.tail.assign(tail.begin(), tail.end());
  write_all(2, format_report(report));
  return report.signal ? 128 + report.signal : report.exit_code;
}

}  // namespace tandem::launcher
