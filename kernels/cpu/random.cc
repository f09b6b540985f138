#include "kernels/cpu/random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Ten Philox rounds per block: enough work per item that parallel regions pay off early.
constexpr int64_t kBlockCost = 64;

// Fills out[0, n) in blocks of `per_block` values: fill_block(block, first, count) writes `count`
// values starting at element `first` from the bits of counter `block`. Block boundaries do not
// depend on the thread split, which is what keeps the result thread-count independent.
template <class F>
void for_each_block(int64_t n, int64_t per_block, F&& fill_block) {
  int64_t blocks = (n + per_block - 1) / per_block;
  parallel_for(blocks, kBlockCost, [&](int64_t lo, int64_t hi) {
    for (int64_t b = lo; b < hi; ++b) {
      int64_t first = b * per_block;
      fill_block(static_cast<uint64_t>(b), first, std::min(per_block, n - first));
    }
  });
}

// The largest value of T below v (v finite or +inf).
template <class T>
T step_down(T v) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return std::nextafter(v, -std::numeric_limits<T>::infinity());
  } else {
    // Half and BFloat16 are sign-magnitude: stepping toward -inf shrinks a positive magnitude and
    // grows a negative one; +0 steps to the smallest negative subnormal.
    T r = v;
    if (r.bits == 0)
      r.bits = 0x8001u;
    else if (r.bits & 0x8000u)
      ++r.bits;
    else
      --r.bits;
    return r;
  }
}

template <class T>
void uniform_typed(T* out, int64_t n, PhiloxStream stream, double minval, double maxval) {
  using C = compute_t<T>;
  const double range = maxval - minval;
  const bool open_above = maxval > minval;
  auto make = [&](double u) {
    T v = static_cast<T>(static_cast<C>(minval + range * u));
    if (open_above && static_cast<double>(static_cast<C>(v)) >= maxval) v = step_down(v);
    return v;
  };
  if constexpr (std::is_same_v<T, double>) {
    for_each_block(n, 2, [&](uint64_t b, int64_t first, int64_t count) {
      PhiloxBlock bits = stream.block(b);
      for (int64_t k = 0; k < count; ++k)
        out[first + k] = make(uints_to_unit_double(bits.v[2 * k], bits.v[2 * k + 1]));
    });
  } else {
    for_each_block(n, 4, [&](uint64_t b, int64_t first, int64_t count) {
      PhiloxBlock bits = stream.block(b);
      for (int64_t k = 0; k < count; ++k) out[first + k] = make(uint_to_unit_float(bits.v[k]));
    });
  }
}

template <class T>
void normal_typed(T* out, int64_t n, PhiloxStream stream, double mean, double stddev) {
  using Z = std::conditional_t<std::is_same_v<T, double>, double, float>;
  constexpr int64_t kPerBlock = std::is_same_v<T, double> ? 2 : 4;
  for_each_block(n, kPerBlock, [&](uint64_t b, int64_t first, int64_t count) {
    Z z[4] = {};
    normals_from_block(stream.block(b), z);
    for (int64_t k = 0; k < count; ++k)
      out[first + k] = static_cast<T>(static_cast<compute_t<T>>(mean + stddev * z[k]));
  });
}

template <class T>
void truncated_typed(T* out, int64_t n, PhiloxStream stream, double mean, double stddev) {
  using Z = std::conditional_t<std::is_same_v<T, double>, double, float>;
  constexpr int kCandidates = std::is_same_v<T, double> ? 2 : 4;
  const Z kTruncate = 2;
  parallel_for(n, kBlockCost, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      Z accepted = 0;
      bool found = false;
      // A block misses with probability 0.0455^kCandidates; 2^32 misses in a row cannot happen in
      // practice, and the loop still ends if it did.
      for (uint32_t attempt = 0; !found; ++attempt) {
        Z z[4] = {};
        normals_from_block(stream.block(static_cast<uint64_t>(i), attempt), z);
        for (int c = 0; c < kCandidates && !found; ++c) {
          if (std::abs(z[c]) < kTruncate) {
            accepted = z[c];
            found = true;
          }
        }
        if (attempt == 0xffffffffu) found = true;
      }
      out[i] = static_cast<T>(static_cast<compute_t<T>>(mean + stddev * accepted));
    }
  });
}

template <class T>
void uniform_int_typed(T* out, int64_t n, PhiloxStream stream, int64_t minval, int64_t maxval) {
  // The range fits the unsigned type even when it exceeds the signed maximum.
  const uint64_t range = static_cast<uint64_t>(maxval) - static_cast<uint64_t>(minval);
  if constexpr (std::is_same_v<T, int64_t>) {
    for_each_block(n, 2, [&](uint64_t b, int64_t first, int64_t count) {
      PhiloxBlock bits = stream.block(b);
      for (int64_t k = 0; k < count; ++k) {
        uint64_t u = (static_cast<uint64_t>(bits.v[2 * k]) << 32) | bits.v[2 * k + 1];
        out[first + k] = static_cast<T>(static_cast<uint64_t>(minval) + u % range);
      }
    });
  } else {
    for_each_block(n, 4, [&](uint64_t b, int64_t first, int64_t count) {
      PhiloxBlock bits = stream.block(b);
      for (int64_t k = 0; k < count; ++k)
        out[first + k] = static_cast<T>(minval + static_cast<int64_t>(bits.v[k] % range));
    });
  }
}

}  // namespace

void random_uniform(ScalarType t, void* out, int64_t n, PhiloxStream stream, double minval,
                    double maxval) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    uniform_typed(static_cast<T*>(out), n, stream, minval, maxval);
  });
}

void random_uniform_int(ScalarType t, void* out, int64_t n, PhiloxStream stream, int64_t minval,
                        int64_t maxval) {
  if (t == ScalarType::kInt64) {
    uniform_int_typed(static_cast<int64_t*>(out), n, stream, minval, maxval);
  } else {
    uniform_int_typed(static_cast<int32_t*>(out), n, stream, minval, maxval);
  }
}

void random_normal(ScalarType t, void* out, int64_t n, PhiloxStream stream, double mean,
                   double stddev) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    normal_typed(static_cast<T*>(out), n, stream, mean, stddev);
  });
}

void truncated_normal(ScalarType t, void* out, int64_t n, PhiloxStream stream, double mean,
                      double stddev) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    truncated_typed(static_cast<T*>(out), n, stream, mean, stddev);
  });
}

void random_permutation(int64_t* perm, int64_t n, PhiloxStream stream) {
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    PhiloxBlock bits = stream.block(static_cast<uint64_t>(i));
    uint64_t u = (static_cast<uint64_t>(bits.v[0]) << 32) | bits.v[1];
    // Modulo bias is below 2^-40 for any realistic n.
    int64_t j = static_cast<int64_t>(u % static_cast<uint64_t>(i + 1));
    std::swap(perm[i], perm[j]);
  }
}

void gather_rows(const void* src, void* dst, const int64_t* perm, int64_t rows, size_t row_bytes) {
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
  int64_t cost = static_cast<int64_t>(row_bytes / 4 + 1);
  parallel_for(rows, cost, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k)
      std::memcpy(d + static_cast<size_t>(k) * row_bytes,
                  s + static_cast<size_t>(perm[k]) * row_bytes, row_bytes);
  });
}

}  // namespace tandem::kernels::cpu
