// The per-rank side of tandemrun: mpirun or srun starts `tandemrun --rank-wrapper ... -- program`
// once per rank. The wrapper sets the rank's threads, GPU and Tandem settings, runs the program,
// copies its output (rank-prefixed when asked, and into rank-<r>.log), forwards signals to it, and
// reports how it ended (report.h) before exiting with the same status.
#pragma once

#include <string>
#include <vector>

namespace tandem::launcher {

// args: everything after "--rank-wrapper". Returns the exit status.
int run_rank_wrapper(const std::vector<std::string>& args);

}  // namespace tandem::launcher
