// The launch command: mpirun or srun, the rank wrapper and the program.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace tandem::launcher {

struct LaunchPlan {
  LauncherKind kind = LauncherKind::kMpirun;  // never kAuto
  std::string launcher_path;                  // the mpirun or srun executable
  std::vector<std::string> launcher_args;     // everything before the rank wrapper
  std::vector<std::string> wrapper_args;      // the wrapper's options (without --restart)
  std::vector<std::string> program;           // absolute program path and its arguments
  std::string self;                           // this executable (the rank wrapper)

  // The whole command for one attempt (restart 0 is the first run).
  std::vector<std::string> argv(int restart) const;
  std::string launcher_name() const { return kind == LauncherKind::kSrun ? "srun" : "mpirun"; }
};

// Checks everything that can be checked before starting (MPI or srun present, slots, hosts,
// the program) and builds the command. Throws LaunchError.
LaunchPlan plan_launch(const Options& options, const std::string& self);

// The absolute path of an executable found on PATH, or nullopt.
std::optional<std::string> find_on_path(const std::string& name);

// Quotes each word for a POSIX shell when needed and joins them with spaces.
std::string shell_join(const std::vector<std::string>& words);

}  // namespace tandem::launcher
