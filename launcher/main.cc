// tandemrun: starts the ranks of a Tandem program through mpirun, or through srun inside a Slurm
// allocation (docs/launching.md). It links none of Tandem's libraries (DESIGN section 1).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "command.h"
#include "options.h"
#include "process.h"
#include "rank_wrapper.h"
#include "supervisor.h"

namespace {

std::string self_path(const char* argv0) {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return path.string();
  return std::filesystem::absolute(argv0).string();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tandem::launcher;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--rank-wrapper") {
    return run_rank_wrapper(std::vector<std::string>(args.begin() + 1, args.end()));
  }

  Options options;
  LaunchPlan plan;
  try {
    options = parse_options(args);
    if (options.help) {
      std::cout << usage();
      return 0;
    }
    plan = plan_launch(options, self_path(argv[0]));
  } catch (const LaunchError& e) {
    std::cerr << "tandemrun: error: " << e.what() << "\n";
    if (args.empty()) std::cerr << usage();
    return 2;
  }

  if (options.dry_run) {
    std::cout << shell_join(plan.argv(0)) << "\n";
    return 0;
  }
  if (options.verbose) std::cerr << "tandemrun: " << shell_join(plan.argv(0)) << "\n";
  if (!options.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.output_dir, ec);
    if (ec || !std::filesystem::is_directory(options.output_dir)) {
      std::cerr << "tandemrun: error: --output-dir " << options.output_dir << ": cannot create it ("
                << (ec ? ec.message() : "not a directory") << ")\n";
      return 2;
    }
  }

  int signal_fd = install_signal_pipe({SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
  for (int restart = 0;; ++restart) {
    AttemptResult result;
    try {
      result = run_attempt(plan, options, restart, signal_fd);
    } catch (const std::exception& e) {
      std::cerr << "tandemrun: error: " << e.what() << "\n";
      return 1;
    }
    if (result.success) return 0;
    std::cerr << result.summary << "\n";
    if (result.interrupted || restart >= options.max_restarts) return result.exit_status;
    std::cerr << "tandemrun: restarting the job (restart " << restart + 1 << " of "
              << options.max_restarts << ")\n";
  }
}
