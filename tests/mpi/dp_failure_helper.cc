// Data-parallel jobs that fail on purpose, run under mpirun by dp_failure_test:
//   kill          rank 1 kills itself (SIGKILL) in the middle of fit's first epoch
//   one_rank_step in a custom loop, rank 0 takes a gradient step that rank 1 never takes (rank 1
//                 is busy elsewhere): rank 0's all-reduce stalls
// Each must end the whole job with a message naming rank 1, never hang. And a preemption:
//   train DIR OUT [EPOCHS]  fit (3 epochs unless given) with BackupAndRestore(DIR); the chief
//                    writes the final weights to OUT; rank 0 prints "first step of this run:
//                    epoch E step S" (1-based; not 1 and 1 when the run resumed from a backup)
//   preempt DIR OUT  the same, but rank 1 gets SIGUSR1 in the second epoch: every rank saves
//                    that step and exits with status 75; `train DIR OUT` then resumes there
// And for the Slurm and tandemrun tests (tests/slurm, tests/launcher), which compare the final
// weights with those of `train DIR OUT EPOCHS`:
//   slow DIR OUT EPOCHS       `train`, but on a job's first run (SLURM_RESTART_COUNT unset or
//                    0) every step after the first epoch sleeps 50 ms, so that a signal from
//                    outside arrives mid-training; rank 0 prints "training started" once the
//                    first epoch (and its backup) is done. A rank stopped by a preemption
//                    notice prints "rank R stopped for preemption after N steps" and exits 75.
//   kill_once DIR OUT EPOCHS  `train`, but when TANDEM_RESTART_COUNT is 0 rank 1 kills itself
//                    (SIGKILL) at step 5 of the second epoch
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "tandem/tandem.h"

using namespace tandem;

namespace {

std::shared_ptr<Sequential> mlp() {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<layers::Dense>(
      16, layers::DenseOptions{.activation = "relu", .layer = {.input_shape = Shape{8}}}));
  model->add(std::make_shared<layers::Dense>(1));
  model->compile({.optimizer = "sgd", .loss = "mse"});
  return model;
}

// The environment variable as a number; `fallback` when unset or empty.
long env_number(const char* name, long fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtol(value, nullptr, 10) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  set_random_seed(7);  // the jobs compared start from the same weights
  distributed::Strategy& strategy = distributed::get_strategy();
  const int rank = strategy.replica_id();
  Tensor x = random_normal(Shape{256, 8}, {.seed = 1});
  Tensor y = random_normal(Shape{256, 1}, {.seed = 2});
  auto model = mlp();
  if (mode == "train" || mode == "preempt" || mode == "slow" || mode == "kill_once") {
    if (argc < 4) return 2;
    const int epochs = argc > 4 ? std::atoi(argv[4]) : 3;
    const bool slow = mode == "slow" && env_number("SLURM_RESTART_COUNT", 0) == 0;
    const bool kill_once = mode == "kill_once" && env_number("TANDEM_RESTART_COUNT", -1) == 0;
    int epochs_done = 0;
    int epoch_now = 0;
    long steps_run = 0;
    if (mode == "slow")
      distributed::set_preemption_exit([&] {
        std::printf("rank %d stopped for preemption after %ld steps\n", rank, steps_run);
        std::fflush(stdout);
        std::exit(distributed::kPreemptedExitCode);
      });
    auto notice = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
        .on_epoch_begin = [&](int epoch, Logs&) { epoch_now = epoch; },
        .on_epoch_end =
            [&](int, Logs&) {
              ++epochs_done;
              if (slow && rank == 0 && epochs_done == 1) {
                std::printf("training started\n");
                std::fflush(stdout);
              }
            },
        .on_batch_end =
            [&](int64_t batch, Logs&) {
              if (++steps_run == 1 && rank == 0) {  // where this run starts (resumed or not)
                std::printf("first step of this run: epoch %d step %lld\n", epoch_now + 1,
                            static_cast<long long>(batch) + 1);
                std::fflush(stdout);
              }
              if (mode == "preempt" && rank == 1 && epochs_done == 1 && batch == 4)
                ::raise(SIGUSR1);
              if (kill_once && rank == 1 && epoch_now == 1 && batch == 4) ::raise(SIGKILL);
              if (slow && epochs_done >= 1)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }});
    model->fit(x, y,
               {.batch_size = 8,
                .epochs = epochs,
                .verbose = 0,
                .callbacks = {std::make_shared<BackupAndRestore>(argv[2]), notice}});
    if (rank == 0) model->save_weights(argv[3]);
    return 0;
  }
  if (mode == "kill") {
    auto killer = std::make_shared<LambdaCallback>(
        LambdaCallbackOptions{.on_batch_end = [rank](int64_t batch, Logs&) {
          if (rank == 1 && batch == 3) ::raise(SIGKILL);
        }});
    model->fit(x, y, {.batch_size = 8, .epochs = 50, .verbose = 0, .callbacks = {killer}});
  } else if (mode == "one_rank_step") {
    if (rank == 1) {
      ::sleep(60);  // stuck elsewhere; the job must end long before this
      return 0;
    }
    GradientTape tape;
    Tensor loss = reduce_mean(square((*model)(Tensors{x}, true)[0] - y));
    auto vars = model->trainable_weights();
    model->optimizer()->apply_gradients(tape.gradient(loss, vars), vars);
  } else {
    std::fprintf(stderr, "unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  std::printf("rank %d finished, which it should not have\n", rank);
  return 0;
}
