#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace tandem::launcher {
namespace {

int parse_int(const std::string& flag, const std::string& text, int min) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > 1000000) {
    throw LaunchError(flag + " expects an integer >= " + std::to_string(min) + ", received '" +
                      text + "'");
  }
  return static_cast<int>(value);
}

double parse_seconds(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(value) || value <= 0) {
    throw LaunchError(flag + " expects a positive number of seconds, received '" + text + "'");
  }
  return value;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "a:2,b,c:4" -> {a,2},{b,1},{c,4}. Open MPI gives a -H host without a count one slot.
void parse_host_list(const std::string& text, std::vector<HostSlots>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw LaunchError("-H: empty host name in '" + text + "'");
    HostSlots hs;
    size_t colon = item.rfind(':');
    if (colon == std::string::npos) {
      hs.host = item;
      hs.slots = 1;
    } else {
      hs.host = item.substr(0, colon);
      if (hs.host.empty()) throw LaunchError("-H: empty host name in '" + text + "'");
      hs.slots = parse_int("-H " + hs.host + ":<slots>", item.substr(colon + 1), 1);
    }
    out.push_back(hs);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

}  // namespace

std::string usage() {
  return R"(usage: tandemrun -np N [options] program [args...]

Starts N ranks of a Tandem program through mpirun, or through srun --mpi=pmix inside a Slurm
allocation (SLURM_JOB_ID set).

  -np N, -n N              number of ranks (required)
  -H host[:slots],...      hosts for mpirun (a host without a count has 1 slot; repeatable)
  --hostfile F             an Open MPI hostfile ("host slots=N" lines)
  --gpus-per-node G        give local rank l the GPU l % G alone (CUDA_VISIBLE_DEVICES)
  --threads-per-rank T     OpenMP/BLAS threads per rank (default: the node's cores / local ranks)
  --output-dir D           write each rank's output to D/rank-<r>.log
  --tag-output             prefix every live output line with the rank, like "[1] "
  --timeout S              end the job after S seconds, naming the ranks still running
  --max-restarts K         restart the whole job up to K times when a rank fails
  --oversubscribe          allow more ranks than slots
  --bind-to none|core|socket|numa|hwthread   CPU binding (default none)
  --launcher auto|mpirun|srun                default auto: srun inside an allocation
  --comm-timeout S         TANDEM_COMM_TIMEOUT for every rank (collective stall timeout)
  --fusion-threshold B     TANDEM_FUSION_THRESHOLD for every rank (fusion buffer bytes)
  -x NAME[=VALUE]          pass an environment variable to every rank (repeatable); every
                           TANDEM_* variable of tandemrun's environment is passed too
  --dry-run                print the exact launch command and exit
  -v, --verbose            print the launch command before running it
  -h, --help               this text

Exit status: 0 when every rank succeeds; else the first failing rank's exit code (128 + signal
when it was killed), 124 after --timeout, 2 for a launch error found before starting.
)";
}

Options parse_options(const std::vector<std::string>& args) {
  Options o;
  bool np_given = false;
  size_t i = 0;
  auto value_of = [&](const std::string& flag, const std::optional<std::string>& inline_value) {
    if (inline_value) return *inline_value;
    if (i + 1 >= args.size()) throw LaunchError(flag + " expects a value");
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-') break;  // the program
    std::string flag = arg;
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        flag = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    auto no_value = [&] {
      if (inline_value) throw LaunchError(flag + " takes no value");
    };
    if (flag == "-np" || flag == "-n" || flag == "--np") {
      o.np = parse_int(flag, value_of(flag, inline_value), 1);
      np_given = true;
    } else if (flag == "-H" || flag == "--host") {
      parse_host_list(value_of(flag, inline_value), o.hosts);
    } else if (flag == "--hostfile") {
      o.hostfile = value_of(flag, inline_value);
      if (o.hostfile.empty()) throw LaunchError("--hostfile expects a file name");
    } else if (flag == "--gpus-per-node") {
      o.gpus_per_node = parse_int(flag, value_of(flag, inline_value), 1);
    } else if (flag == "--threads-per-rank") {
      o.threads_per_rank = parse_int(flag, value_of(flag, inline_value), 1);
    } else if (flag == "--output-dir") {
      o.output_dir = value_of(flag, inline_value);
      if (o.output_dir.empty()) throw LaunchError("--output-dir expects a directory");
    } else if (flag == "--timeout") {
      o.timeout_s = parse_seconds(flag, value_of(flag, inline_value));
    } else if (flag == "--max-restarts") {
      o.max_restarts = parse_int(flag, value_of(flag, inline_value), 0);
    } else if (flag == "--dry-run") {
      no_value();
      o.dry_run = true;
    } else if (flag == "--oversubscribe") {
      no_value();
      o.oversubscribe = true;
    } else if (flag == "--tag-output") {
      no_value();
      o.tag_output = true;
    } else if (flag == "-v" || flag == "--verbose") {
      no_value();
      o.verbose = true;
    } else if (flag == "--bind-to") {
      o.bind_to = value_of(flag, inline_value);
      if (o.bind_to != "none" && o.bind_to != "core" && o.bind_to != "socket" &&
          o.bind_to != "numa" && o.bind_to != "hwthread") {
        throw LaunchError("--bind-to expects none, core, socket, numa or hwthread, received '" +
                          o.bind_to + "'");
      }
    } else if (flag == "--launcher") {
      std::string v = value_of(flag, inline_value);
      if (v == "auto") {
        o.launcher = LauncherKind::kAuto;
      } else if (v == "mpirun") {
        o.launcher = LauncherKind::kMpirun;
      } else if (v == "srun") {
        o.launcher = LauncherKind::kSrun;
      } else {
        throw LaunchError("--launcher expects auto, mpirun or srun, received '" + v + "'");
      }
    } else if (flag == "--comm-timeout") {
      std::string v = value_of(flag, inline_value);
      parse_seconds(flag, v);
      o.env.emplace_back("TANDEM_COMM_TIMEOUT", v);
    } else if (flag == "--fusion-threshold") {
      std::string v = value_of(flag, inline_value);
      parse_int(flag, v, 0);
      o.env.emplace_back("TANDEM_FUSION_THRESHOLD", v);
    } else if (flag == "-x") {
      std::string v = value_of(flag, inline_value);
      size_t eq = v.find('=');
      std::string name = v.substr(0, eq);
      if (!valid_env_name(name)) {
        throw LaunchError("-x expects NAME or NAME=VALUE, received '" + v + "'");
      }
      if (eq != std::string::npos) {
        o.env.emplace_back(name, v.substr(eq + 1));
      } else {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
          throw LaunchError("-x " + name + ": " + name +
                            " is not set in tandemrun's environment (use -x " + name + "=VALUE)");
        }
        o.env.emplace_back(name, value);
      }
    } else if (flag == "-h" || flag == "--help") {
      o.help = true;
      return o;
    } else {
      throw LaunchError("unknown option '" + arg + "' (tandemrun --help lists the options)");
    }
  }
  for (; i < args.size(); ++i) o.program.push_back(args[i]);
  if (!np_given) throw LaunchError("missing -np N (the number of ranks)");
  if (o.program.empty()) throw LaunchError("missing the program to run");
  if (!o.hosts.empty() && !o.hostfile.empty()) {
    throw LaunchError("give -H or --hostfile, not both");
  }
  return o;
}

}  // namespace tandem::launcher
