// tandemrun's command line: parsing and the checks that need no launcher (DESIGN section 1:
// launcher/ links none of Tandem's libraries).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tandem::launcher {

// A launch problem found before anything started; main prints "tandemrun: error: <what>" and
// exits with status 2.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LauncherKind { kAuto, kMpirun, kSrun };

struct HostSlots {
  std::string host;
  std::optional<int> slots;  // unknown: a hostfile line without slots= for a remote host
};

struct Options {
  int np = 0;
  std::vector<HostSlots> hosts;  // from -H (the hostfile is read later, by hosts.cc)
  std::string hostfile;
  int gpus_per_node = 0;     // 0: CUDA_VISIBLE_DEVICES left alone
  int threads_per_rank = 0;  // 0: cores / local ranks
  std::string output_dir;
  double timeout_s = 0;  // 0: none
  int max_restarts = 0;
  bool dry_run = false;
  bool oversubscribe = false;
  bool tag_output = false;
  bool verbose = false;
  bool help = false;  // --help: nothing else was parsed
  std::string bind_to = "none";
  LauncherKind launcher = LauncherKind::kAuto;
  std::vector<std::pair<std::string, std::string>> env;  // -x NAME=VALUE, --comm-timeout, ...
  std::vector<std::string> program;                      // program and its arguments
};

// Parses argv (without argv[0]). Throws LaunchError naming the offending argument.
Options parse_options(const std::vector<std::string>& args);

// The usage text printed by --help and after a usage error.
std::string usage();

}  // namespace tandem::launcher
