#include "kernels/cpu/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Cost per element of a softmax row in the parallel_for threshold's units (an exp and a few flops).
constexpr int64_t kSoftmaxCost = 8;

// max + log(sum(exp(x - max))) of one row; -inf for an empty row.
template <class T, class C = compute_t<T>>
C row_logsumexp(const T* x, int64_t classes) {
  C m = -std::numeric_limits<C>::infinity();
  for (int64_t c = 0; c < classes; ++c) m = std::max(m, C(x[c]));
  if (!std::isfinite(m)) return m;  // all -inf (or an inf / NaN logit): nothing to stabilise
  C sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(C(x[c]) - m);
  return m + std::log(sum);
}

template <class T>
void softmax_xent(int64_t rows, int64_t classes, const T* logits, const T* labels, T* loss,
                  T* backprop, T* lse_out) {
  using C = compute_t<T>;
  parallel_for(rows, classes * kSoftmaxCost, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* x = logits + r * classes;
      const T* z = labels + r * classes;
      const C lse = row_logsumexp(x, classes);
      C total = 0, label_sum = 0;
      for (int64_t c = 0; c < classes; ++c) {
        const C zc = C(z[c]);
        // A zero label contributes nothing, even where lse - x is infinite.
        if (zc != C(0)) total += zc * (lse - C(x[c]));
        label_sum += zc;
      }
      for (int64_t c = 0; c < classes; ++c) {
        backprop[r * classes + c] = static_cast<T>(std::exp(C(x[c]) - lse) * label_sum - C(z[c]));
      }
      loss[r] = static_cast<T>(total);
      lse_out[r] = static_cast<T>(lse);
    }
  });
}

template <class T, class L>
void sparse_xent(int64_t rows, int64_t classes, const T* logits, const L* labels, T* loss,
                 T* backprop) {
  using C = compute_t<T>;
  parallel_for(rows, classes * kSoftmaxCost, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const T* x = logits + r * classes;
      const int64_t label = static_cast<int64_t>(labels[r]);
      const C lse = row_logsumexp(x, classes);
      for (int64_t c = 0; c < classes; ++c) {
        backprop[r * classes + c] =
            static_cast<T>(std::exp(C(x[c]) - lse) - (c == label ? C(1) : C(0)));
      }
      loss[r] = static_cast<T>(lse - C(x[label]));
    }
  });
}

template <class T>
void sigmoid_xent(int64_t n, const T* logits, const T* labels, T* loss, T* sigmoid) {
  using C = compute_t<T>;
  parallel_for(n, kSoftmaxCost, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const C x = C(logits[i]), z = C(labels[i]);
      const C e = std::exp(-std::abs(x));  // in (0, 1]: never overflows
      loss[i] = static_cast<T>(std::max(x, C(0)) - x * z + std::log1p(e));
      sigmoid[i] = static_cast<T>(x >= C(0) ? C(1) / (C(1) + e) : e / (C(1) + e));
    }
  });
}

}  // namespace

void softmax_cross_entropy(ScalarType t, int64_t rows, int64_t classes, const void* logits,
                           const void* labels, void* loss, void* backprop, void* logsumexp) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    softmax_xent(rows, classes, static_cast<const T*>(logits), static_cast<const T*>(labels),
                 static_cast<T*>(loss), static_cast<T*>(backprop), static_cast<T*>(logsumexp));
  });
}

void sparse_softmax_cross_entropy(ScalarType t, ScalarType label_type, int64_t rows,
                                  int64_t classes, const void* logits, const void* labels,
                                  void* loss, void* backprop) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    if (label_type == ScalarType::kInt64) {
      sparse_xent(rows, classes, static_cast<const T*>(logits), static_cast<const int64_t*>(labels),
                  static_cast<T*>(loss), static_cast<T*>(backprop));
    } else {
      sparse_xent(rows, classes, static_cast<const T*>(logits), static_cast<const int32_t*>(labels),
                  static_cast<T*>(loss), static_cast<T*>(backprop));
    }
  });
}

void sigmoid_cross_entropy(ScalarType t, int64_t n, const void* logits, const void* labels,
                           void* loss, void* sigmoid) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    sigmoid_xent(n, static_cast<const T*>(logits), static_cast<const T*>(labels),
                 static_cast<T*>(loss), static_cast<T*>(sigmoid));
  });
}

}  // namespace tandem::kernels::cpu
