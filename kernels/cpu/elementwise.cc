#include "kernels/cpu/elementwise.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Walks the broadcast output in row-major order from flat index `begin`, keeping one offset per
// operand.
struct BroadcastCursor {
  const BroadcastSpec& s;
  const int64_t* c_stride;  // optional third operand
  int64_t idx[kMaxDims] = {};
  int64_t a = 0, b = 0, c = 0;

  BroadcastCursor(const BroadcastSpec& spec, const int64_t* cond_stride, int64_t begin)
      : s(spec), c_stride(cond_stride) {
    for (int d = s.ndim - 1; d >= 0; --d) {
      idx[d] = begin % s.shape[d];
      begin /= s.shape[d];
      a += idx[d] * s.a_stride[d];
      b += idx[d] * s.b_stride[d];
      if (c_stride) c += idx[d] * c_stride[d];
    }
  }
  void next() {
    for (int d = s.ndim - 1; d >= 0; --d) {
      ++idx[d];
      a += s.a_stride[d];
      b += s.b_stride[d];
      if (c_stride) c += c_stride[d];
      if (idx[d] < s.shape[d]) return;
      a -= idx[d] * s.a_stride[d];
      b -= idx[d] * s.b_stride[d];
      if (c_stride) c -= idx[d] * c_stride[d];
      idx[d] = 0;
    }
  }
};

int64_t numel(const BroadcastSpec& s) {
  int64_t n = 1;
  for (int d = 0; d < s.ndim; ++d) n *= s.shape[d];
  return n;
}

bool contiguous(const BroadcastSpec& s, const int64_t* stride) {
  int64_t expect = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    if (s.shape[d] != 1 && stride[d] != expect) return false;
    expect *= s.shape[d];
  }
  return true;
}

bool all_zero(const BroadcastSpec& s, const int64_t* stride) {
  for (int d = 0; d < s.ndim; ++d)
    if (s.shape[d] != 1 && stride[d] != 0) return false;
  return true;
}

template <BinaryOp kOp, class T, class Out>
void binary_typed(const T* a, const T* b, Out* out, const BroadcastSpec& s) {
  using C = compute_t<T>;
  auto f = [](T x, T y) { return static_cast<Out>(apply_binary<kOp, C>(C(x), C(y))); };
  int64_t n = numel(s);
  bool ac = contiguous(s, s.a_stride), bc = contiguous(s, s.b_stride);
  // Fast paths keep the inner loop free of index arithmetic so the compiler vectorises it.
  if (ac && bc) {
    parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(a[i], b[i]);
    });
  } else if (ac && all_zero(s, s.b_stride)) {
    T bv = b[0];
    parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(a[i], bv);
    });
  } else if (bc && all_zero(s, s.a_stride)) {
    T av = a[0];
    parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = f(av, b[i]);
    });
  } else if (n > 0) {
    // General broadcast: a cursor over the outer dimensions and a tight loop over the last one,
    // whose strides are 0 or 1 in the common cases (a bias or per-channel scale over NHWC rows,
    // a per-row value over columns), so the index arithmetic is per row, not per element.
    int last = s.ndim - 1;
    int64_t inner = s.shape[last];
    int64_t as = s.a_stride[last], bs = s.b_stride[last];
    BroadcastSpec outer = s;
    outer.ndim = last;
    parallel_for(n / inner, inner, [&](int64_t lo, int64_t hi) {
      BroadcastCursor cur(outer, nullptr, lo);
      for (int64_t r = lo; r < hi; ++r, cur.next()) {
        const T* pa = a + cur.a;
        const T* pb = b + cur.b;
        Out* po = out + r * inner;
        if (as == 1 && bs == 1) {
          for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], pb[i]);
        } else if (as == 1 && bs == 0) {
          for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i], *pb);
        } else if (as == 0 && bs == 1) {
          for (int64_t i = 0; i < inner; ++i) po[i] = f(*pa, pb[i]);
        } else {
          for (int64_t i = 0; i < inner; ++i) po[i] = f(pa[i * as], pb[i * bs]);
        }
      }
    });
  }
}

}  // namespace

void unary(UnaryOp op, ScalarType t, const void* x, void* y, int64_t n, float alpha) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    visit_unary(op, [&](auto op_tag) {
      const T* in = static_cast<const T*>(x);
      T* out = static_cast<T*>(y);
      parallel_for(n, 4, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i)
          out[i] = static_cast<T>(apply_unary<decltype(op_tag)::value, C>(C(in[i]), alpha));
      });
    });
  });
}

void binary(BinaryOp op, ScalarType t, const void* a, const void* b, void* out,
            const BroadcastSpec& spec) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    visit_binary(op, [&](auto op_tag) {
      constexpr BinaryOp kOp = decltype(op_tag)::value;
      const T* pa = static_cast<const T*>(a);
      const T* pb = static_cast<const T*>(b);
      if constexpr (kOp >= BinaryOp::kEqual) {
        binary_typed<kOp>(pa, pb, static_cast<bool*>(out), spec);
      } else {
        binary_typed<kOp>(pa, pb, static_cast<T*>(out), spec);
      }
    });
  });
}

void cast(ScalarType from, ScalarType to, const void* x, void* y, int64_t n) {
  if (n == 0) return;  // empty tensors may have null data pointers
  if (from == to) {
    visit_numeric(from, [&](auto tag) { std::memcpy(y, x, n * sizeof(tag)); });
    return;
  }
  visit_numeric(from, [&](auto from_tag) {
    using F = decltype(from_tag);
    visit_numeric(to, [&](auto to_tag) {
      using T = decltype(to_tag);
      const F* in = static_cast<const F*>(x);
      T* out = static_cast<T*>(y);
      parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
          if constexpr (std::is_same_v<T, bool>) {
            // Compare in the source's own type: a tiny double or a huge int64 must not round to 0.
            using C = compute_t<F>;
            out[i] = static_cast<C>(in[i]) != C(0);
          } else {
            out[i] = static_cast<T>(static_cast<compute_t<T>>(static_cast<compute_t<F>>(in[i])));
          }
        }
      });
    });
  });
}

void fill(ScalarType t, void* y, int64_t n, double value) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    T v = static_cast<T>(static_cast<compute_t<T>>(value));
    T* out = static_cast<T*>(y);
    parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = v;
    });
  });
}

void broadcast(ScalarType t, const void* a, void* out, const BroadcastSpec& spec) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a);
    T* po = static_cast<T*>(out);
    int64_t n = numel(spec);
    if (n == 0) return;
    // Row by row, as in binary_typed: per-row cursor arithmetic, a plain inner loop.
    int last = spec.ndim - 1;
    int64_t inner = last >= 0 ? spec.shape[last] : 1;
    int64_t as = last >= 0 ? spec.a_stride[last] : 0;
    BroadcastSpec outer = spec;
    outer.ndim = std::max(last, 0);
    parallel_for(n / inner, inner, [&](int64_t lo, int64_t hi) {
      BroadcastCursor cur(outer, nullptr, lo);
      for (int64_t r = lo; r < hi; ++r, cur.next()) {
        const T* src = pa + cur.a;
        T* dst = po + r * inner;
        if (as == 1) {
          std::memcpy(dst, src, inner * sizeof(T));
        } else {
          for (int64_t i = 0; i < inner; ++i) dst[i] = src[i * as];
        }
      }
    });
  });
}

void select(ScalarType t, const bool* cond, const int64_t* cond_stride, const void* a,
            const void* b, void* out, const BroadcastSpec& spec) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a);
    const T* pb = static_cast<const T*>(b);
    T* po = static_cast<T*>(out);
    parallel_for(numel(spec), 4, [&](int64_t lo, int64_t hi) {
      BroadcastCursor cur(spec, cond_stride, lo);
      for (int64_t i = lo; i < hi; ++i, cur.next()) po[i] = cond[cur.c] ? pa[cur.a] : pb[cur.b];
    });
  });
}

}  // namespace tandem::kernels::cpu
