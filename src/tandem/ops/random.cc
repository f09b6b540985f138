#include "tandem/ops/random.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"

namespace tandem {
namespace {

// Op-level seeds use a stream far from the global generator's (which counts up from 0), so
// random_normal(..., seed = s) never repeats the numbers of the first unseeded op after
// set_random_seed(s). The stream's high bits end up in the Philox key.
constexpr uint64_t kOpSeedStream = uint64_t{1} << 63;

struct GlobalGenerator {
  std::mutex mu;
  bool seeded = false;
  RandomGeneratorState state;
};

GlobalGenerator& global_generator() {
  static GlobalGenerator* g = new GlobalGenerator;  // never destroyed: ops may run during exit
  return *g;
}

// Without set_random_seed, programs get fresh numbers on every run, as in TensorFlow.
void seed_if_needed(GlobalGenerator& g) {
  if (g.seeded) return;
  std::random_device device;
  g.state.seed = (static_cast<uint64_t>(device()) << 32) | device();
  g.state.next_stream = 0;
  g.seeded = true;
}

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape.dims())
    TANDEM_CHECK(d >= 0, ValueError, op, ": expected non-negative dimensions, received shape ",
                 shape.to_list_string());
}

Tensor uniform_int(const Shape& shape, const RandomOptions& o) {
  for (double bound : {o.minval, o.maxval})
    TANDEM_CHECK(std::isfinite(bound) && bound == std::floor(bound), ValueError,
                 "random_uniform: integer dtype ", dtype_name(o.dtype),
                 " needs integral minval and maxval, received ", bound);
  // 2^63 itself is the first double past int64's range.
  bool fits = o.dtype == int32
                  ? o.minval >= -2147483648.0 && o.maxval <= 2147483647.0
                  : o.minval >= -9223372036854775808.0 && o.maxval < 9223372036854775808.0;
  TANDEM_CHECK(fits, ValueError, "random_uniform: minval ", o.minval, " and maxval ", o.maxval,
               " must fit in ", dtype_name(o.dtype));
  TANDEM_CHECK(o.minval < o.maxval, ValueError, "random_uniform: need minval < maxval, received ",
               o.minval, " >= ", o.maxval);
  // Numbers are drawn on the host and moved to the default device.
  return ops::dispatch::random_uniform_int(
             shape, o.dtype, next_random_stream(o.seed, o.per_replica),
             static_cast<int64_t>(o.minval), static_cast<int64_t>(o.maxval))
      .to(default_device());
}

}  // namespace

void set_random_seed(uint64_t seed) {
  GlobalGenerator& g = global_generator();
  std::lock_guard<std::mutex> lock(g.mu);
  g.seeded = true;
  g.state = {seed, 0};
}

RandomGeneratorState get_random_generator_state() {
  GlobalGenerator& g = global_generator();
  std::lock_guard<std::mutex> lock(g.mu);
  seed_if_needed(g);
  return g.state;
}

void set_random_generator_state(const RandomGeneratorState& state) {
  GlobalGenerator& g = global_generator();
  std::lock_guard<std::mutex> lock(g.mu);
  g.seeded = true;
  g.state = state;
}

namespace {
std::atomic<int> random_replica{0};
}  // namespace

void set_random_replica(int replica) { random_replica = replica; }

kernels::PhiloxStream next_random_stream(std::optional<uint64_t> seed, bool per_replica) {
  kernels::PhiloxStream s;
  if (seed) {
    s = kernels::PhiloxStream{*seed, kOpSeedStream};
  } else {
    GlobalGenerator& g = global_generator();
    std::lock_guard<std::mutex> lock(g.mu);
    seed_if_needed(g);
    s = kernels::PhiloxStream{g.state.seed, g.state.next_stream++};
  }
  const int replica = random_replica.load();
  if (per_replica && replica != 0) {
    // SplitMix64 of (seed, replica): each replica its own key, unrelated to its neighbours'.
    uint64_t z = s.seed + 0x9E3779B97F4A7C15ULL * (uint64_t(replica) + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    s.seed = z ^ (z >> 31);
  }
  return s;
}

Tensor random_uniform(const Shape& shape, const RandomOptions& options) {
  check_shape("random_uniform", shape);
  if (is_integer(options.dtype) && options.dtype != uint8) return uniform_int(shape, options);
  TANDEM_CHECK(
      is_floating(options.dtype), TypeError,
      "random_uniform: expected dtype float16, bfloat16, float32, float64, int32 or int64, "
      "received ",
      dtype_name(options.dtype));
  return ops::dispatch::random_uniform(shape, options.dtype,
                                       next_random_stream(options.seed, options.per_replica),
                                       options.minval, options.maxval)
      .to(default_device());
}

namespace {
using NormalKernel = Tensor (*)(const Shape&, DType, kernels::PhiloxStream, double, double);

// random_normal and truncated_normal differ only in their kernel.
Tensor normal_values(const char* op, NormalKernel kernel, const Shape& shape,
                     const RandomOptions& options) {
  check_shape(op, shape);
  TANDEM_CHECK(is_floating(options.dtype), TypeError, op,
               ": expected a floating dtype (float16, bfloat16, float32, float64), received ",
               dtype_name(options.dtype));
  return kernel(shape, options.dtype, next_random_stream(options.seed, options.per_replica),
                options.mean, options.stddev)
      .to(default_device());
}
}  // namespace

Tensor random_normal(const Shape& shape, const RandomOptions& options) {
  return normal_values("random_normal", ops::dispatch::random_normal, shape, options);
}

Tensor truncated_normal(const Shape& shape, const RandomOptions& options) {
  return normal_values("truncated_normal", ops::dispatch::truncated_normal, shape, options);
}

Tensor random_shuffle(const Tensor& x, std::optional<uint64_t> seed) {
  ops::check_defined("random_shuffle", x, "value");
  // The stream is taken even when there is nothing to shuffle, so the ops after this one draw the
  // same numbers whatever x's size.
  kernels::PhiloxStream stream = next_random_stream(seed);
  if (x.rank() == 0 || x.shape()[0] <= 1) return x;
  return ops::dispatch::shuffle_rows(x, stream);
}

}  // namespace tandem
