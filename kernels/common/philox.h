// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel Random Numbers: As Easy as
// 1, 2, 3" (SC 2011), bit-compatible with Random123 and TensorFlow's PhiloxRandom. A counter-based
// generator maps (key, counter) to random bits with no sequential state, so element i of a random
// tensor can be computed on any thread (or GPU lane) from i alone: results never depend on how the
// work is split. Written once for host and device.
#pragma once

#include <math.h>

#include <cstdint>

#include "kernels/common/macros.h"

namespace tandem::kernels {

struct PhiloxCounter {
  uint32_t v[4];
};
struct PhiloxKey {
  uint32_t v[2];
};
// Four independent 32-bit random words.
struct PhiloxBlock {
  uint32_t v[4];
};

namespace philox_detail {
constexpr uint32_t kMultiplier0 = 0xD2511F53u;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

TANDEM_INLINE void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t product = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

TANDEM_INLINE PhiloxCounter round(const PhiloxCounter& c, const PhiloxKey& k) {
  uint32_t hi0, lo0, hi1, lo1;
  mulhilo(kMultiplier0, c.v[0], hi0, lo0);
  mulhilo(kMultiplier1, c.v[2], hi1, lo1);
  return PhiloxCounter{{hi1 ^ c.v[1] ^ k.v[0], lo1, hi0 ^ c.v[3] ^ k.v[1], lo0}};
}
}  // namespace philox_detail

// The ten-round Philox bijection of `counter` under `key`.
TANDEM_INLINE PhiloxBlock philox4x32_10(PhiloxCounter counter, PhiloxKey key) {
  for (int r = 0; r < 9; ++r) {
    counter = philox_detail::round(counter, key);
    key.v[0] += philox_detail::kWeyl0;
    key.v[1] += philox_detail::kWeyl1;
  }
  counter = philox_detail::round(counter, key);
  return PhiloxBlock{{counter.v[0], counter.v[1], counter.v[2], counter.v[3]}};
}

// How Tandem lays out its 128-bit counters and 64-bit keys: the key is the seed; the counter holds
// the element (or block) index, a sub-stream for draws that need several blocks per element
// (truncated normal retries), and the op's stream number. Streams beyond 2^32 fold their high bits
// into the key so every (seed, stream) pair below 2^32 streams is distinct.
struct PhiloxStream {
  uint64_t seed = 0;
  uint64_t stream = 0;

  TANDEM_INLINE PhiloxBlock block(uint64_t index, uint32_t sub = 0) const {
    PhiloxCounter c{{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), sub,
                     static_cast<uint32_t>(stream)}};
    PhiloxKey k{{static_cast<uint32_t>(seed),
                 static_cast<uint32_t>(seed >> 32) ^ static_cast<uint32_t>(stream >> 32)}};
    return philox4x32_10(c, k);
  }
};

// Uniform float in [0, 1) from the top 24 bits of a word (every value exactly representable).
TANDEM_INLINE float uint_to_unit_float(uint32_t x) {
  return static_cast<float>(x >> 8) * (1.0f / 16777216.0f);
}
// Uniform float in (0, 1]: safe for log().
TANDEM_INLINE float uint_to_open_unit_float(uint32_t x) {
  return static_cast<float>((x >> 8) + 1u) * (1.0f / 16777216.0f);
}
// Uniform double in [0, 1) from 53 of the 64 bits of two words.
TANDEM_INLINE double uints_to_unit_double(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}
// Uniform double in (0, 1].
TANDEM_INLINE double uints_to_open_unit_double(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 32) | lo;
  return static_cast<double>((bits >> 11) + 1u) * (1.0 / 9007199254740992.0);
}

// Box-Muller: two independent standard normals from two uniforms, u1 in (0, 1] and u2 in [0, 1).
// The C functions (not std::) are the ones CUDA also provides in device code.
TANDEM_INLINE void box_muller(float u1, float u2, float& z0, float& z1) {
  const float kTwoPi = 6.283185307179586f;
  float r = ::sqrtf(-2.0f * ::logf(u1));
  z0 = r * ::cosf(kTwoPi * u2);
  z1 = r * ::sinf(kTwoPi * u2);
}
TANDEM_INLINE void box_muller(double u1, double u2, double& z0, double& z1) {
  const double kTwoPi = 6.283185307179586;
  double r = ::sqrt(-2.0 * ::log(u1));
  z0 = r * ::cos(kTwoPi * u2);
  z1 = r * ::sin(kTwoPi * u2);
}

// Four standard normals (float) from one block.
TANDEM_INLINE void normals_from_block(const PhiloxBlock& b, float z[4]) {
  box_muller(uint_to_open_unit_float(b.v[0]), uint_to_unit_float(b.v[1]), z[0], z[1]);
  box_muller(uint_to_open_unit_float(b.v[2]), uint_to_unit_float(b.v[3]), z[2], z[3]);
}
// Two standard normals (double) from one block.
TANDEM_INLINE void normals_from_block(const PhiloxBlock& b, double z[2]) {
  box_muller(uints_to_open_unit_double(b.v[0], b.v[1]), uints_to_unit_double(b.v[2], b.v[3]), z[0],
             z[1]);
}

}  // namespace tandem::kernels
