#include "command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "hosts.h"

extern char** environ;

namespace tandem::launcher {
namespace {

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// Runs a command and returns its stdout and stderr (for "mpirun --version").
std::string capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "";
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    std::vector<char*> c_argv;
    for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
    c_argv.push_back(nullptr);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  while (pid > 0) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(fds[0]);
  if (pid > 0) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return out;
}

std::string resolve_program(const std::string& program) {
  namespace fs = std::filesystem;
  if (program.find('/') == std::string::npos) {
    auto found = find_on_path(program);
    if (!found) {
      throw LaunchError("program '" + program +
                        "' not found: it is not on PATH (give a path, e.g. ./" + program + ")");
    }
    return *found;
  }
  std::string path = fs::path(program).is_absolute()
                         ? program
                         : (fs::current_path() / program).lexically_normal().string();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw LaunchError("program '" + program + "' not found (" + std::strerror(errno) + ")");
  }
  if (S_ISDIR(st.st_mode)) throw LaunchError("program '" + program + "' is a directory");
  if (!S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw LaunchError("program '" + program + "' is not executable (mode " + mode +
                      "; chmod +x it)");
  }
  return path;
}

}  // namespace

std::optional<std::string> find_on_path(const std::string& name) {
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::string candidate = dir.empty() ? std::string(".") : dir;  // an empty entry is "."
    candidate += '/';
    candidate += name;
    if (is_executable_file(candidate)) {
      return std::filesystem::absolute(candidate).lexically_normal().string();
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

std::string shell_join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    bool plain = !w.empty();
    for (char c : w) {
      bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                std::strchr("-_./=:,+@%", c) != nullptr;
      if (!ok) plain = false;
    }
    if (plain) {
      out += w;
    } else {
      out += '\'';
      for (char c : w) {
        if (c == '\'') {
          out += "'\\''";
        } else {
          out += c;
        }
      }
      out += '\'';
    }
  }
  return out;
}

std::vector<std::string> LaunchPlan::argv(int restart) const {
  std::vector<std::string> out{launcher_path};
  out.insert(out.end(), launcher_args.begin(), launcher_args.end());
  out.push_back(self);
  out.push_back("--rank-wrapper");
  out.insert(out.end(), wrapper_args.begin(), wrapper_args.end());
  if (restart > 0) {
    out.push_back("--restart");
    out.push_back(std::to_string(restart));
  }
  out.push_back("--");
  out.insert(out.end(), program.begin(), program.end());
  return out;
}

LaunchPlan plan_launch(const Options& o, const std::string& self) {
  LaunchPlan plan;
  plan.self = self;
  bool in_allocation = std::getenv("SLURM_JOB_ID") != nullptr;
  plan.kind = o.launcher;
  if (plan.kind == LauncherKind::kAuto) {
    plan.kind = in_allocation ? LauncherKind::kSrun : LauncherKind::kMpirun;
  }

  if (plan.kind == LauncherKind::kSrun) {
    if (!in_allocation) {
      throw LaunchError(
          "srun outside an allocation: SLURM_JOB_ID is not set. Run tandemrun inside a job "
          "(sbatch, or salloc for an interactive one), or use --launcher mpirun");
    }
    if (!o.hosts.empty() || !o.hostfile.empty()) {
      throw LaunchError(
          "-H and --hostfile choose hosts for mpirun; inside a Slurm allocation srun places the "
          "ranks on the allocation's nodes (use --launcher mpirun to give hosts)");
    }
    auto srun = find_on_path("srun");
    if (!srun) throw LaunchError("srun not found on PATH (Debian: apt-get install slurm-client)");
    plan.launcher_path = *srun;
    const char* ntasks = std::getenv("SLURM_NTASKS");
    if (ntasks != nullptr && !o.oversubscribe) {
      int tasks = std::atoi(ntasks);
      if (tasks > 0 && o.np > tasks) {
        throw LaunchError("-np " + std::to_string(o.np) + " is more than the allocation's " +
                          std::to_string(tasks) +
                          " tasks (SLURM_NTASKS); ask sbatch/salloc for more (--ntasks), or "
                          "pass --oversubscribe (srun --overcommit)");
      }
    }
    // --bind-to none adds nothing: srun then binds as the site configured (clusters without a
    // binding plugin warn about any --cpu-bind).
    static const std::map<std::string, std::string> kCpuBind{
        {"core", "cores"}, {"socket", "sockets"}, {"numa", "ldoms"}, {"hwthread", "threads"}};
    plan.launcher_args = {"--mpi=pmix", "-n", std::to_string(o.np), "--kill-on-bad-exit=1"};
    if (o.bind_to != "none") plan.launcher_args.push_back("--cpu-bind=" + kCpuBind.at(o.bind_to));
    if (o.oversubscribe) plan.launcher_args.push_back("--overcommit");
  } else {
    auto mpirun = find_on_path("mpirun");
    if (!mpirun) {
      throw LaunchError(
          "no MPI found: mpirun is not on PATH (Debian: apt-get install openmpi-bin; or run "
          "inside a Slurm allocation, where tandemrun uses srun)");
    }
    plan.launcher_path = *mpirun;
    std::string version = capture({*mpirun, "--version"});
    if (version.find("Open MPI") == std::string::npos &&
        version.find("OpenRTE") == std::string::npos) {
      std::string first = version.substr(0, version.find('\n'));
      throw LaunchError("no usable MPI: " + *mpirun + " is not Open MPI's mpirun (it says '" +
                        first + "'); tandemrun drives Open MPI's mpirun, or srun under Slurm");
    }
    std::vector<HostSlots> hosts = o.hosts;
    std::string source = "-H";
    if (!o.hostfile.empty()) {
      hosts = read_hostfile(o.hostfile);
      source = "--hostfile " + o.hostfile;
    }
    std::optional<int> slots;
    std::string slot_source;
    if (hosts.empty()) {
      slots = local_core_count();
      slot_source = "the " + std::to_string(*slots) + " cores of this node";
    } else {
      check_hosts_resolve(hosts, source);
      slots = total_slots(hosts);
      if (slots) slot_source = std::to_string(*slots) + " slots given by " + source;
    }
    if (slots && o.np > *slots && !o.oversubscribe) {
      throw LaunchError("-np " + std::to_string(o.np) + " is more than the " +
                        std::to_string(*slots) + " slots (" + slot_source +
                        "); pass --oversubscribe to run more ranks than slots, or add hosts");
    }
    plan.launcher_args = {"-np", std::to_string(o.np), "--map-by", "slot", "--bind-to", o.bind_to};
    if (geteuid() == 0) plan.launcher_args.push_back("--allow-run-as-root");
    if (o.oversubscribe) plan.launcher_args.push_back("--oversubscribe");
    if (!o.hostfile.empty()) {
      plan.launcher_args.push_back("--hostfile");
      plan.launcher_args.push_back(std::filesystem::absolute(o.hostfile).string());
    } else if (!hosts.empty()) {
      std::string list;
      for (const auto& hs : hosts) {
        list += (list.empty() ? "" : ",") + hs.host + ":" + std::to_string(hs.slots.value_or(1));
      }
      plan.launcher_args.push_back("-H");
      plan.launcher_args.push_back(list);
    }
  }

  plan.program = o.program;
  plan.program[0] = resolve_program(o.program[0]);

  // The wrapper's settings travel as arguments: mpirun does not carry the environment to other
  // nodes unless told, srun does; arguments reach every rank either way.
  auto& w = plan.wrapper_args;
  w.push_back("--threads");
  w.push_back(o.threads_per_rank > 0 ? std::to_string(o.threads_per_rank) : "auto");
  if (o.gpus_per_node > 0) {
    w.push_back("--gpus");
    w.push_back(std::to_string(o.gpus_per_node));
  }
  if (!o.output_dir.empty()) {
    w.push_back("--log-dir");
    w.push_back(std::filesystem::absolute(o.output_dir).lexically_normal().string());
  }
  if (o.tag_output) w.push_back("--tag-output");
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (entry.rfind("TANDEM_", 0) == 0 && eq != std::string::npos &&
        entry.substr(0, eq) != "TANDEM_RESTART_COUNT") {
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [name, value] : o.env) env[name] = value;  // explicit settings win
  for (const auto& [name, value] : env) {
    w.push_back("--env");
    w.push_back(name + "=" + value);
  }
  return plan;
}

}  // namespace tandem::launcher
