#include "tandem/distributed/preemption.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>

#include "tandem/core/error.h"

namespace tandem::distributed {

namespace {

std::atomic<bool> requested{false};  // lock-free: safe to store from a signal handler

extern "C" void on_notice(int) { requested.store(true); }

std::function<void()>& exit_function() {
  static std::function<void()> fn;
  return fn;
}

}  // namespace

bool preemption_requested() { return requested.load(); }
void request_preemption() { requested.store(true); }
void clear_preemption() { requested.store(false); }

void set_preemption_exit(std::function<void()> exit_fn) { exit_function() = std::move(exit_fn); }

void run_preemption_exit() {
  if (!exit_function()) std::exit(kPreemptedExitCode);
  exit_function()();
  throw DistributedError("preempted: the preemption exit function returned");
}

struct PreemptionWatch::Saved {
  struct sigaction term {};
  struct sigaction usr1 {};
};

PreemptionWatch::PreemptionWatch() : saved_(new Saved) {
  struct sigaction action {};
  action.sa_handler = on_notice;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &saved_->term);
  sigaction(SIGUSR1, &action, &saved_->usr1);
}

PreemptionWatch::~PreemptionWatch() {
  sigaction(SIGTERM, &saved_->term, nullptr);
  sigaction(SIGUSR1, &saved_->usr1, nullptr);
  delete saved_;
}

}  // namespace tandem::distributed
