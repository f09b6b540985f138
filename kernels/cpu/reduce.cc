#include "kernels/cpu/reduce.h"

#include <limits>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

template <class A>
struct Reducer {
  ReduceOp op;
  A init() const {
    switch (op) {
      case ReduceOp::kMax: return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::lowest();
      case ReduceOp::kMin: return std::numeric_limits<A>::has_infinity ? std::numeric_limits<A>::infinity() : std::numeric_limits<A>::max();
      case ReduceOp::kProd: case ReduceOp::kAll: return A(1);
      default: return A(0);
    }
  }
};

template <class T, ReduceOp kOp>
void reduce_typed(const T* in, T* out, int64_t outer, int64_t r, int64_t inner) {
  // Accumulate in double for float32 sums/means: a 1M-element sum in float loses ~3 digits.
  using C = compute_t<T>;
  using A = std::conditional_t<std::is_same_v<C, float> && (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean), double, C>;
  auto combine = [](A acc, A v) -> A {
    if constexpr (kOp == ReduceOp::kSum || kOp == ReduceOp::kMean) return acc + v;
    else if constexpr (kOp == ReduceOp::kMax) return (v > acc || v != v) ? v : acc;  // NaN propagates
    else if constexpr (kOp == ReduceOp::kMin) return (v < acc || v != v) ? v : acc;
    else if constexpr (kOp == ReduceOp::kProd) return acc * v;
    else if constexpr (kOp == ReduceOp::kAny) return A(acc || v);
    else return A(acc && v);
  };
  auto finish = [r](A acc) -> T {
    if constexpr (kOp == ReduceOp::kMean) return static_cast<T>(static_cast<C>(r > 0 ? acc / static_cast<A>(r) : acc / A(0)));
    else return static_cast<T>(static_cast<C>(acc));
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
    switch (op) {
      case ReduceOp::kSum: return reduce_typed<T, ReduceOp::kSum>(pin, pout, outer, r, inner);
      case ReduceOp::kMean: return reduce_typed<T, ReduceOp::kMean>(pin, pout, outer, r, inner);
      case ReduceOp::kMax: return reduce_typed<T, ReduceOp::kMax>(pin, pout, outer, r, inner);
      case ReduceOp::kMin: return reduce_typed<T, ReduceOp::kMin>(pin, pout, outer, r, inner);
      case ReduceOp::kProd: return reduce_typed<T, ReduceOp::kProd>(pin, pout, outer, r, inner);
      case ReduceOp::kAny: return reduce_typed<T, ReduceOp::kAny>(pin, pout, outer, r, inner);
      case ReduceOp::kAll: return reduce_typed<T, ReduceOp::kAll>(pin, pout, outer, r, inner);
    }
  });
}

}  // namespace tandem::kernels::cpu
