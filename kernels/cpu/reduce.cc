#include "kernels/cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

template <class A>
struct Reducer {
  ReduceOp op;
  A init() const {
    switch (op) {
      case ReduceOp::kMax:
        return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                    : std::numeric_limits<A>::lowest();
      case ReduceOp::kMin:
        return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity()
                                                    : std::numeric_limits<A>::max();
      case ReduceOp::kProd:
      case ReduceOp::kAll:
        return A(1);
      default:
        return A(0);
    }
  }
};

template <class T, ReduceOp kOp>
void reduce_typed(const T* in, T* out, int64_t outer, int64_t r, int64_t inner) {
  // Accumulate in double for float32 sums/means: a 1M-element sum in float loses ~3 digits.
  using C = compute_t<T>;
  using A = std::conditional_t<
      std::is_same_v<C, float> && (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean), double, C>;
  auto combine = [](A acc, A v) -> A {
    if constexpr (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean)
      return acc + v;
    else if constexpr (kOp == ReduceOp::kMax)
      return (v > acc || v != v) ? v : acc;  // NaN propagates
    else if constexpr (kOp == ReduceOp::kMin)
      return (v < acc || v != v) ? v : acc;
    else if constexpr (kOp == ReduceOp::kProd)
      return acc * v;
    else if constexpr (kOp == ReduceOp::kAny)
      return A(acc || v);
    else
      return A(acc && v);
  };
  auto finish = [r](A acc) -> T {
    if constexpr (kOp == ReduceOp::kMean) {
      // An empty integer mean is 0 (dividing by zero would trap); a floating one is 0/0 = NaN.
      if constexpr (std::is_integral_v<A>) {
        if (r == 0) return T(0);
      }
      return static_cast<T>(static_cast<C>(acc / static_cast<A>(r)));
    } else
      return static_cast<T>(static_cast<C>(acc));
  };
  A init = Reducer<A>{kOp}.init();
  if (inner == 1) {
    parallel_for(outer, r, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o) {
        const T* row = in + o * r;
        A acc = init;
        for (int64_t p = 0; p < r; ++p) acc = combine(acc, A(C(row[p])));
        out[o] = finish(acc);
      }
    });
    return;
  }
  parallel_for(outer, r * inner, [&](int64_t lo, int64_t hi) {
    std::vector<A> acc(static_cast<size_t>(inner));
    for (int64_t o = lo; o < hi; ++o) {
      std::fill(acc.begin(), acc.end(), init);
      for (int64_t p = 0; p < r; ++p) {
        const T* row = in + (o * r + p) * inner;
        for (int64_t i = 0; i < inner; ++i) acc[i] = combine(acc[i], A(C(row[i])));
      }
      for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = finish(acc[i]);
    }
  });
}

}  // namespace

void reduce(ReduceOp op, ScalarType t, const void* in, void* out, int64_t outer, int64_t r,
            int64_t inner) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* pin = static_cast<const T*>(in);
    T* pout = static_cast<T*>(out);
    if constexpr (std::is_same_v<T, bool>) {
      // On bools, sum/max saturate to "any" and prod/min to "all".
      bool all = op == ReduceOp::kAll || op == ReduceOp::kMin || op == ReduceOp::kProd;
      if (all) return reduce_typed<T, ReduceOp::kAll>(pin, pout, outer, r, inner);
      return reduce_typed<T, ReduceOp::kAny>(pin, pout, outer, r, inner);
    } else {
      switch (op) {
        case ReduceOp::kSum:
          return reduce_typed<T, ReduceOp::kSum>(pin, pout, outer, r, inner);
        case ReduceOp::kMean:
          return reduce_typed<T, ReduceOp::kMean>(pin, pout, outer, r, inner);
        case ReduceOp::kMax:
          return reduce_typed<T, ReduceOp::kMax>(pin, pout, outer, r, inner);
        case ReduceOp::kMin:
          return reduce_typed<T, ReduceOp::kMin>(pin, pout, outer, r, inner);
        case ReduceOp::kProd:
          return reduce_typed<T, ReduceOp::kProd>(pin, pout, outer, r, inner);
        case ReduceOp::kAny:
          return reduce_typed<T, ReduceOp::kAny>(pin, pout, outer, r, inner);
        case ReduceOp::kAll:
          return reduce_typed<T, ReduceOp::kAll>(pin, pout, outer, r, inner);
      }
    }
  });
}

namespace {

// Accumulator of running sums: double for the floating types (as in reduce), else the type itself.
template <class T>
using sum_t = std::conditional_t<std::is_floating_point_v<compute_t<T>>, double, compute_t<T>>;

template <class T, bool kMax>
void arg_reduce_typed(const T* in, int64_t* out, int64_t outer, int64_t r, int64_t inner) {
  using C = compute_t<T>;
  auto better = [](C v, C best) { return kMax ? v > best : v < best; };
  parallel_for(outer, r * inner, [&](int64_t lo, int64_t hi) {
    std::vector<C> best(static_cast<size_t>(inner));
    for (int64_t o = lo; o < hi; ++o) {
      const T* block = in + o * r * inner;
      int64_t* idx = out + o * inner;
      for (int64_t i = 0; i < inner; ++i) {
        best[i] = C(block[i]);
        idx[i] = 0;
      }
      for (int64_t p = 1; p < r; ++p) {
        const T* row = block + p * inner;
        for (int64_t i = 0; i < inner; ++i) {
          C v = C(row[i]);
          if (better(v, best[i])) {
            best[i] = v;
            idx[i] = p;
          }
        }
      }
    }
  });
}

template <class T>
void cumsum_typed(const T* in, T* out, int64_t outer, int64_t r, int64_t inner, bool exclusive,
                  bool reverse) {
  using A = sum_t<T>;
  using C = compute_t<T>;
  parallel_for(outer, r * inner, [&](int64_t lo, int64_t hi) {
    std::vector<A> acc(static_cast<size_t>(inner));
    for (int64_t o = lo; o < hi; ++o) {
      std::fill(acc.begin(), acc.end(), A(0));
      for (int64_t step = 0; step < r; ++step) {
        int64_t p = reverse ? r - 1 - step : step;
        const T* src = in + (o * r + p) * inner;
        T* dst = out + (o * r + p) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          A v = static_cast<A>(C(src[i]));
          if (exclusive) {
            dst[i] = static_cast<T>(static_cast<C>(acc[i]));
            acc[i] += v;
          } else {
            acc[i] += v;
            dst[i] = static_cast<T>(static_cast<C>(acc[i]));
          }
        }
      }
    }
  });
}

template <class T>
void softmax_typed(const T* in, T* out, int64_t outer, int64_t r, int64_t inner, bool log) {
  using C = compute_t<T>;
  using A = sum_t<T>;
  parallel_for(outer, r * inner * 4, [&](int64_t lo, int64_t hi) {
    std::vector<C> max(static_cast<size_t>(inner));
    std::vector<A> sum(static_cast<size_t>(inner));
    for (int64_t o = lo; o < hi; ++o) {
      const T* block = in + o * r * inner;
      T* dst = out + o * r * inner;
      std::fill(max.begin(), max.end(), -std::numeric_limits<C>::infinity());
      std::fill(sum.begin(), sum.end(), A(0));
      for (int64_t p = 0; p < r; ++p) {
        for (int64_t i = 0; i < inner; ++i) {
          C v = C(block[p * inner + i]);
          if (v > max[i] || v != v) max[i] = v;
        }
      }
      for (int64_t p = 0; p < r; ++p) {
        for (int64_t i = 0; i < inner; ++i) sum[i] += A(std::exp(C(block[p * inner + i]) - max[i]));
      }
      for (int64_t p = 0; p < r; ++p) {
        for (int64_t i = 0; i < inner; ++i) {
          C shifted = C(block[p * inner + i]) - max[i];
          C v = log ? C(A(shifted) - std::log(sum[i])) : C(A(std::exp(shifted)) / sum[i]);
          dst[p * inner + i] = static_cast<T>(v);
        }
      }
    }
  });
}

}  // namespace

void arg_reduce(ArgReduceOp op, ScalarType t, const void* in, int64_t* out, int64_t outer,
                int64_t r, int64_t inner) {
  if (r <= 0) return;
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* pin = static_cast<const T*>(in);
    if (op == ArgReduceOp::kArgMax) return arg_reduce_typed<T, true>(pin, out, outer, r, inner);
    return arg_reduce_typed<T, false>(pin, out, outer, r, inner);
  });
}

void cumsum(ScalarType t, const void* in, void* out, int64_t outer, int64_t r, int64_t inner,
            bool exclusive, bool reverse) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      cumsum_typed<T>(static_cast<const T*>(in), static_cast<T*>(out), outer, r, inner, exclusive,
                      reverse);
    }
  });
}

void softmax(ScalarType t, const void* in, void* out, int64_t outer, int64_t r, int64_t inner,
             bool log) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    softmax_typed<T>(static_cast<const T*>(in), static_cast<T*>(out), outer, r, inner, log);
  });
}

}  // namespace tandem::kernels::cpu
