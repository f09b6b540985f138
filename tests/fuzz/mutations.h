// Deterministic mutations of valid inputs for the bounded fuzz driver: bit flips, byte
// overwrites, truncations, deletions, duplications, splices, and overwrites of 1-, 2-, 4- or
// 8-byte fields with boundary values (the way a corrupted length or count field looks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::fuzz {

// SplitMix64: a tiny generator whose sequence is the same on every platform and library, so a
// failing (seed, iteration) pair replays anywhere.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, n); 0 when n == 0.
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  uint64_t state_;
};

inline constexpr size_t kMaxMutatedSize = 1 << 16;

// Applies 1 to 4 random mutations to `input` (the other seeds are material for splices); appends a
// word per mutation to `log` so a failure says what was done.
std::string mutate(std::string input, const std::vector<std::string>& seeds, Random& random,
                   std::string* log);

}  // namespace tandem::fuzz
