// Random tensors from a counter-based generator (Philox4x32-10): the value of element i depends
// only on (seed, stream offset, i), so results are reproducible for a seed and independent of
// thread count.
//
// Seeds:
//   - no seed anywhere: fresh numbers on every run (as in TensorFlow);
//   - set_random_seed(s): the program's sequence of unseeded random ops is reproducible;
//   - an op-level seed: the same values on every call, whatever else ran before (a pure function
//     of the seed, like tf.random.stateless_*; so a seeded dropout is a fixed linear map that
//     gradient checks can differentiate). Callers wanting a new draw per call (a Dropout layer,
//     Dataset.shuffle with reshuffle_each_iteration) derive a new seed per call, or take
//     next_random_stream() without a seed.
#pragma once

#include <cstdint>
#include <optional>

#include "kernels/common/philox.h"
#include "tandem/core/tensor.h"

namespace tandem {

// Sets the global seed (like tf.random.set_seed): unseeded ops draw successive streams from it.
void set_random_seed(uint64_t seed);

struct RandomOptions {
  double mean = 0.0;    // normal, truncated_normal
  double stddev = 1.0;  // normal, truncated_normal
  double minval = 0.0;  // uniform
  double maxval = 1.0;  // uniform (exclusive)
  DType dtype = float32;
  // Op-level seed (the same values on every call); when absent the global generator advances.
  std::optional<uint64_t> seed = std::nullopt;
  // Different numbers on each replica of a data-parallel job (dropout masks, noise), still
  // reproducible for a seed; on one process (replica 0) the same numbers as without it.
  bool per_replica = false;
};

Tensor random_normal(const Shape& shape, const RandomOptions& options = {});
Tensor random_uniform(const Shape& shape, const RandomOptions& options = {});
// Normal values re-drawn until within two standard deviations of the mean
// (tf.random.truncated_normal).
Tensor truncated_normal(const Shape& shape, const RandomOptions& options = {});
// Shuffles along the first dimension.
Tensor random_shuffle(const Tensor& x, std::optional<uint64_t> seed = std::nullopt);

// The generator's position, for checkpoints (BackupAndRestore restores it).
struct RandomGeneratorState {
  uint64_t seed = 0;
  uint64_t next_stream = 0;  // unseeded streams handed out since the seed was set
};
RandomGeneratorState get_random_generator_state();
void set_random_generator_state(const RandomGeneratorState& state);

// The Philox stream a random op draws from, following the seed rules above: with a seed, that
// seed's own stream; without, the global generator's next one. For code outside ops/random.cc
// that draws Philox numbers itself, so it follows the same reproducibility rules.
kernels::PhiloxStream next_random_stream(std::optional<uint64_t> seed = std::nullopt,
                                         bool per_replica = false);

// This process's replica id, mixed into per_replica draws (set by distributed::DataParallel).
void set_random_replica(int replica);

}  // namespace tandem
