// Data-parallel jobs that fail on purpose, run under mpirun by dp_failure_test:
//   kill          rank 1 kills itself (SIGKILL) in the middle of fit's first epoch
//   one_rank_step in a custom loop, rank 0 takes a gradient step that rank 1 never takes (rank 1
//                 is busy elsewhere): rank 0's all-reduce stalls
// Each must end the whole job with a message naming rank 1, never hang. And a preemption:
//   train DIR OUT    fit with BackupAndRestore(DIR); the chief writes the final weights to OUT
//   preempt DIR OUT  the same, but rank 1 gets SIGUSR1 in the second epoch: every rank saves
//                    that step and exits with status 75; `train DIR OUT` then resumes there
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  set_random_seed(7);  // the jobs compared start from the same weights
  distributed::Strategy& strategy = distributed::get_strategy();
  const int rank = strategy.replica_id();
  Tensor x = random_normal(Shape{256, 8}, {.seed = 1});
  Tensor y = random_normal(Shape{256, 1}, {.seed = 2});
  auto model = mlp();
  if (mode == "train" || mode == "preempt") {
    if (argc < 4) return 2;
    int epochs_done = 0;
    auto notice = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
        .on_epoch_end = [&](int, Logs&) { ++epochs_done; },
        .on_batch_end =
            [&](int64_t batch, Logs&) {
              if (mode == "preempt" && rank == 1 && epochs_done == 1 && batch == 4)
                ::raise(SIGUSR1);
            }});
    model->fit(x, y,
               {.batch_size = 8,
                .epochs = 3,
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
