// Peak memory of one CNN training step (issue 15, "A lean tape"): the model train_bench calls
// `cnn` (Conv32-MaxPool-Conv64-MaxPool-Dense128-Dense10, 3x3 SAME convolutions, ReLU), batch 128,
// Adam, crossentropy from logits, one GradientTape step written out so the forward's end can be
// seen. Random images: the data are not what is measured.
//
//   ./build/bench/tape_memory_bench [--batch 128]
// prints
//   BENCH tape_memory_cnn forward_MiB=<A> step_peak_MiB=<P> peak_rss_MiB=<R>
// A: tensor bytes in use (core/allocator's stats) when the forward pass ends, beyond what the
//    step started with (variables and optimizer slots): the activations the tape keeps.
// P: the allocator's high-water mark over the step beyond its start: the step runs from an emptied
//    cache, so every block it holds afterwards (in use or cached) was in use at some point; blocks
//    are reused only within a size class, so this bounds the peak from above.
// R: the process's peak resident set (getrusage), warm-up step included.
// There is no peer: the figures compare Tandem's tape before and after a change;
// docs/performance.md
// ("Lean tape") builds this file against both trees.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_models.h"
#include "tandem/core/allocator.h"
#include "tandem/tandem.h"

using namespace tandem;

namespace {

double mib(int64_t bytes) { return double(bytes) / (1024.0 * 1024.0); }

int64_t held(const AllocatorStats& s) { return s.bytes_in_use + s.bytes_cached; }

}  // namespace

int main(int argc, char** argv) {
  int64_t batch = 128;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
      batch = std::atoll(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--batch N]\n", argv[0]);
      return 2;
    }
  }
  set_random_seed(0);
  auto model = bench::cnn();
  auto loss_fn = losses::SparseCategoricalCrossentropy({.from_logits = true});
  auto optimizer = std::make_shared<optimizers::Adam>(optimizers::AdamOptions{});
  Tensor x = random_uniform(Shape{batch, 28, 28, 1});
  Tensor y = cast(random_uniform(Shape{batch}, {.minval = 0, .maxval = 10}), int32);

  int64_t forward_bytes = 0;
  auto step = [&] {
    GradientTape tape;
    Tensor logits = (*model)(Tensors{x}, true)[0];
    Tensor loss = loss_fn(y, logits);
    logits = Tensor();
    forward_bytes = cpu_allocator::stats().bytes_in_use;
    auto vars = model->trainable_weights();
    auto grads = tape.gradient(loss, vars);
    optimizer->apply_gradients(grads, vars);
  };
  step();  // builds the weights and the optimizer's slots

  cpu_allocator::empty_cache();
  const AllocatorStats start = cpu_allocator::stats();
  step();
  const AllocatorStats end = cpu_allocator::stats();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("BENCH tape_memory_cnn forward_MiB=%.1f step_peak_MiB=%.1f peak_rss_MiB=%.1f\n",
              mib(forward_bytes - start.bytes_in_use), mib(held(end) - held(start)),
              double(usage.ru_maxrss) / 1024.0);
  return 0;
}
