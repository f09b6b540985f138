// Random tensors from a counter-based generator (Philox4x32-10): the value of element i depends only
// on (seed, stream offset, i), so results are reproducible for a seed and independent of thread count.
#pragma once

#include <cstdint>
#include <optional>

#include "kernels/common/philox.h"
#include "tandem/core/tensor.h"

namespace tandem {

// Sets the global seed (like tf.random.set_seed); ops without their own seed draw successive streams
// from it, so a program's sequence of random ops is reproducible.
void set_random_seed(uint64_t seed);

struct RandomOptions {
  double mean = 0.0;    // normal, truncated_normal
  double stddev = 1.0;  // normal, truncated_normal
  double minval = 0.0;  // uniform
  double maxval = 1.0;  // uniform (exclusive)
  DType dtype = float32;
  std::optional<uint64_t> seed = std::nullopt;  // op-level seed; when absent the global generator advances
};

Tensor random_normal(const Shape& shape, const RandomOptions& options = {});
Tensor random_uniform(const Shape& shape, const RandomOptions& options = {});
// Normal values re-drawn until within two standard deviations of the mean (tf.random.truncated_normal).
Tensor truncated_normal(const Shape& shape, const RandomOptions& options = {});
// Shuffles along the first dimension.
Tensor random_shuffle(const Tensor& x, std::optional<uint64_t> seed = std::nullopt);

// The global generator's position, for checkpoints (BackupAndRestore restores it).
struct RandomGeneratorState {
  uint64_t seed = 0;
  uint64_t next_stream = 0;  // streams handed out so far since the seed was set
};
RandomGeneratorState get_random_generator_state();
void set_random_generator_state(const RandomGeneratorState& state);

// The Philox stream an op draws from: with an op-level seed, a fixed stream of that seed (the same
// values on every call, like TensorFlow's stateless ops); without, the global generator's next
// stream. For code outside ops/random.cc that draws Philox numbers itself (dropout masks,
// Dataset.shuffle) so it follows the same reproducibility rules.
kernels::PhiloxStream next_random_stream(std::optional<uint64_t> seed = std::nullopt);

}  // namespace tandem
