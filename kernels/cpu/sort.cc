#include "kernels/cpu/sort.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Strict "a sorts before b" on (value, index) pairs: NaN above all numbers, ties by lower index.
template <class C>
bool sorts_before(C a, C b, int32_t ia, int32_t ib, bool descending) {
  bool a_nan = a != a, b_nan = b != b;
  if (a_nan || b_nan) {
    if (a_nan && b_nan) return ia < ib;
    return descending ? a_nan : b_nan;
  }
  if (a != b) return descending ? a > b : a < b;
  return ia < ib;
}

template <class T>
void argsort_typed(const T* in, int32_t* out, int64_t rows, int64_t n, int64_t k, bool descending) {
  using C = compute_t<T>;
  int64_t cost = std::max<int64_t>(1, n * 8);
  parallel_for(rows, cost, [&](int64_t lo, int64_t hi) {
    std::vector<int32_t> order(static_cast<size_t>(n));
    std::vector<C> values(static_cast<size_t>(n));
    for (int64_t row = lo; row < hi; ++row) {
      const T* src = in + row * n;
      for (int64_t j = 0; j < n; ++j) values[j] = C(src[j]);
      std::iota(order.begin(), order.end(), 0);
      auto before = [&](int32_t a, int32_t b) {
        return sorts_before(values[a], values[b], a, b, descending);
      };
      if (k < n) {
        std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
      } else {
        std::sort(order.begin(), order.end(), before);
      }
      std::copy(order.begin(), order.begin() + k, out + row * k);
    }
  });
}

}  // namespace

void argsort_rows(ScalarType t, const void* in, int32_t* out, int64_t rows, int64_t n, int64_t k,
                  bool descending) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      argsort_typed<T>(static_cast<const T*>(in), out, rows, n, k, descending);
    }
  });
}

void gather_rows(const void* in, const int32_t* idx, void* out, int64_t rows, int64_t n, int64_t k,
                 size_t elem_size) {
  const char* src = static_cast<const char*>(in);
  char* dst = static_cast<char*>(out);
  parallel_for(rows, k, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      for (int64_t j = 0; j < k; ++j) {
        int64_t from = row * n + idx[row * k + j];
        std::memcpy(dst + (row * k + j) * elem_size, src + from * elem_size, elem_size);
      }
    }
  });
}

void scatter_add_rows(ScalarType t, const void* updates, const int32_t* idx, void* out,
                      int64_t rows, int64_t k, int64_t n) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using C = compute_t<T>;
      const T* src = static_cast<const T*>(updates);
      T* dst = static_cast<T*>(out);
      parallel_for(rows, n + k, [&](int64_t lo, int64_t hi) {
        for (int64_t row = lo; row < hi; ++row) {
          T* out_row = dst + row * n;
          std::fill(out_row, out_row + n, T(C(0)));
          for (int64_t j = 0; j < k; ++j) {
            T& slot = out_row[idx[row * k + j]];
            slot = static_cast<T>(C(C(slot) + C(src[row * k + j])));
          }
        }
      });
    }
  });
}

}  // namespace tandem::kernels::cpu
