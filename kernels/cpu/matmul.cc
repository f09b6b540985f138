#include "kernels/cpu/matmul.h"

#include <algorithm>
#include <type_traits>

#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Below this many multiply-adds per matrix, one BLAS call per thread beats one threaded BLAS call.
constexpr int64_t kSmallGemm = int64_t{1} << 18;

int64_t index_of(const int64_t* index, int64_t i) { return index ? index[i] : i; }

bool same_matrix_everywhere(const int64_t* index, int64_t batch) {
  if (batch == 1) return true;
  if (!index) return false;
  for (int64_t i = 1; i < batch; ++i)
    if (index[i] != index[0]) return false;
  return true;
}

bool consecutive(const int64_t* index, int64_t batch) {
  if (!index) return true;
  for (int64_t i = 0; i < batch; ++i)
    if (index[i] != i) return false;
  return true;
}

template <class T>
void blas_batch(const MatmulSpec& s, const T* a, const T* b, T* c) {
  const int64_t a_size = s.m * s.k, b_size = s.k * s.n, c_size = s.m * s.n;
  const int64_t lda = s.trans_a ? s.m : s.k, ldb = s.trans_b ? s.k : s.n;
  if (s.k == 0) {  // BLAS rejects a zero leading dimension; the empty sum is 0
    std::fill(c, c + s.batch * c_size, T(0));
    return;
  }
  // A shared B under consecutive untransposed A matrices is one [batch*m, k] @ [k, n] product:
  // the Dense-layer-on-a-sequence case, and far faster as a single large gemm.
  if (!s.trans_a && consecutive(s.a_index, s.batch) && same_matrix_everywhere(s.b_index, s.batch)) {
    blas::gemm(false, s.trans_b, s.batch * s.m, s.n, s.k, T(1), a, lda,
               b + index_of(s.b_index, 0) * b_size, ldb, T(0), c, s.n);
    return;
  }
  auto one = [&](int64_t i) {
    blas::gemm(s.trans_a, s.trans_b, s.m, s.n, s.k, T(1), a + index_of(s.a_index, i) * a_size, lda,
               b + index_of(s.b_index, i) * b_size, ldb, T(0), c + i * c_size, s.n);
  };
  if (s.batch > 1 && s.m * s.n * s.k < kSmallGemm) {
    // Inside an OpenMP region OpenBLAS runs single-threaded, so each thread owns whole matrices.
    parallel_for(s.batch, s.m * s.n * s.k, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) one(i);
    });
    return;
  }
  for (int64_t i = 0; i < s.batch; ++i) one(i);
}

template <class T>
void loop_batch(const MatmulSpec& s, const T* a, const T* b, T* c) {
  using C = compute_t<T>;
  using Acc = std::conditional_t<std::is_integral_v<C>, int64_t, C>;
  const int64_t a_size = s.m * s.k, b_size = s.k * s.n;
  parallel_for(s.batch * s.m, s.n * s.k, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t bi = row / s.m, i = row % s.m;
      const T* pa = a + index_of(s.a_index, bi) * a_size;
      const T* pb = b + index_of(s.b_index, bi) * b_size;
      T* pc = c + row * s.n;
      for (int64_t j = 0; j < s.n; ++j) {
        Acc acc = 0;
        for (int64_t p = 0; p < s.k; ++p) {
          Acc av = static_cast<Acc>(C(s.trans_a ? pa[p * s.m + i] : pa[i * s.k + p]));
          Acc bv = static_cast<Acc>(C(s.trans_b ? pb[j * s.k + p] : pb[p * s.n + j]));
          acc += av * bv;
        }
        pc[j] = static_cast<T>(static_cast<C>(acc));
      }
    }
  });
}

}  // namespace

void batch_matmul(ScalarType t, const MatmulSpec& spec, const void* a, const void* b, void* c) {
  if (spec.batch == 0 || spec.m == 0 || spec.n == 0) return;
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a);
    const T* pb = static_cast<const T*>(b);
    T* pc = static_cast<T*>(c);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      blas_batch(spec, pa, pb, pc);
    } else {
      loop_batch(spec, pa, pb, pc);
    }
  });
}

}  // namespace tandem::kernels::cpu
