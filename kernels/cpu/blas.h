// Dense matrix multiply. float32 goes to oneDNN's sgemm when Tandem was built with it (it measured
// faster on every layer shape, bench/gemm_backend_bench.cc); float64, and float32 without oneDNN,
// go to OpenBLAS, loaded at run time.
//
// OpenBLAS picks its kernels when it is loaded, from OPENBLAS_CORETYPE if set. An inherited
// OPENBLAS_CORETYPE=Haswell halves sgemm speed on newer cores (DESIGN section 5), so Tandem loads
// the library itself with that variable cleared unless the user asks for a core with
// TANDEM_OPENBLAS_CORETYPE. Without OpenBLAS a portable blocked loop is used.
#pragma once

#include <cstdint>
#include <string>

namespace tandem::kernels::cpu::blas {

struct Info {
  std::string library;           // the file that was loaded, or "builtin"
  std::string core;              // OpenBLAS's own name for the kernels it chose
  std::string ignored_coretype;  // an inherited OPENBLAS_CORETYPE that Tandem cleared, if any
  std::string sgemm_backend;     // "oneDNN" or "OpenBLAS" (or "builtin"): who runs float32 gemm
};

const Info& info();

// OpenBLAS's thread count (threads.h's budget); a no-op before OpenBLAS is loaded (it then takes
// the budget as it loads) and when OPENBLAS_NUM_THREADS is set.
void set_num_threads(int threads);

// Row-major C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, with leading dimensions
// lda/ldb/ldc.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
          const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
          int64_t ldc);

// The raw cblas_sgemm of the loaded OpenBLAS (nullptr when none was found), for benchmarks.
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int,
                         float, float*, int);
SgemmFn raw_sgemm();

}  // namespace tandem::kernels::cpu::blas
