// Preemption notices (DESIGN section 4): a scheduler that is about to stop a job sends a signal
// first (Slurm: `scancel --signal=USR1`, `sbatch --signal=USR1@180`, or SIGTERM before SIGKILL).
// While a PreemptionWatch is alive, SIGTERM and SIGUSR1 only set a flag; fit's training loop
// agrees on it across the replicas at the next step boundary, lets the callbacks save
// (BackupAndRestore writes a backup of that exact step), and ends the process with
// kPreemptedExitCode, which job scripts read as "requeue me" (cluster/slurm/*.sbatch).
#pragma once

#include <functional>

namespace tandem::distributed {

// EX_TEMPFAIL from <sysexits.h>: a temporary failure, try again.
inline constexpr int kPreemptedExitCode = 75;

// True once SIGTERM or SIGUSR1 arrived while a watch was alive (or request_preemption() ran).
bool preemption_requested();
// What the signal handler does; also for tests and for programs with their own notice source.
void request_preemption();
// Forgets a request.
void clear_preemption();

// What fit does once every replica has stopped and the callbacks have saved: by default
// std::exit(kPreemptedExitCode). A program that wants to clean up first, or a test, sets its own
// (tf.distribute's TerminationConfig exit_fn); if it returns, fit throws DistributedError.
// nullptr restores the default.
void set_preemption_exit(std::function<void()> exit_fn);
[[noreturn]] void run_preemption_exit();

// RAII: installs the SIGTERM and SIGUSR1 handlers, and puts the previous ones back at the end.
class PreemptionWatch {
 public:
  PreemptionWatch();
  ~PreemptionWatch();
  PreemptionWatch(const PreemptionWatch&) = delete;
  PreemptionWatch& operator=(const PreemptionWatch&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};

}  // namespace tandem::distributed
