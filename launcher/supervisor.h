// tandemrun's side of a job: runs the launcher command, passes its output through, collects the
// ranks' reports, enforces --timeout, and says which rank failed first.
#pragma once

#include <string>

#include "command.h"
#include "options.h"

namespace tandem::launcher {

struct AttemptResult {
  int exit_status = 0;       // what tandemrun exits with
  bool success = false;      // every rank ended with 0
  bool interrupted = false;  // tandemrun was told to stop (SIGINT, SIGTERM, SIGHUP): no restart
  std::string summary;       // the failure summary (empty on success)
};

// Runs one attempt of the job. The signal pipe is install_signal_pipe's.
AttemptResult run_attempt(const LaunchPlan& plan, const Options& options, int restart,
                          int signal_fd);

}  // namespace tandem::launcher
