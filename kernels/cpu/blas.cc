#include "kernels/cpu/blas.h"

#include <dlfcn.h>
#ifdef TANDEM_HAVE_DNNL
#include <dnnl.h>
#endif

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "kernels/cpu/parallel.h"
#include "kernels/cpu/threads.h"

namespace tandem::kernels::cpu::blas {
namespace {

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;  // CBLAS enum values

using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*,
                         int, double, double*, int);
using CorenameFn = char* (*)();
using SetThreadsFn = void (*)(int);

struct Library {
  Info info;
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  SetThreadsFn set_threads = nullptr;  // openblas_set_num_threads
};

// Set once library() has loaded, so that set_num_threads never loads OpenBLAS itself.
std::atomic<bool> loaded{false};

Library load() {
  Library lib;
  if (const char* inherited = std::getenv("OPENBLAS_CORETYPE")) {
    lib.info.ignored_coretype = inherited;
    unsetenv("OPENBLAS_CORETYPE");
  }
  if (const char* wanted = std::getenv("TANDEM_OPENBLAS_CORETYPE")) {
    setenv("OPENBLAS_CORETYPE", wanted, 1);
    lib.info.ignored_coretype.clear();
  }
  for (const char* name : {"libopenblas.so.0", "libopenblas.so", "libblas.so.3"}) {
    void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) continue;
    lib.sgemm = reinterpret_cast<SgemmFn>(dlsym(h, "cblas_sgemm"));
    lib.dgemm = reinterpret_cast<DgemmFn>(dlsym(h, "cblas_dgemm"));
    if (!lib.sgemm || !lib.dgemm) {
      dlclose(h);
      lib.sgemm = nullptr;
      lib.dgemm = nullptr;
      continue;
    }
    lib.info.library = name;
    if (auto corename = reinterpret_cast<CorenameFn>(dlsym(h, "openblas_get_corename")))
      lib.info.core = corename();
    lib.set_threads = reinterpret_cast<SetThreadsFn>(dlsym(h, "openblas_set_num_threads"));
    break;
  }
  // Restore what the user had, so child processes see their own environment.
  if (!lib.info.ignored_coretype.empty())
    setenv("OPENBLAS_CORETYPE", lib.info.ignored_coretype.c_str(), 1);
  if (!lib.sgemm) lib.info.library = "builtin";
#ifdef TANDEM_HAVE_DNNL
  lib.info.sgemm_backend = "oneDNN";
#else
  lib.info.sgemm_backend = lib.sgemm ? "OpenBLAS" : "builtin";
#endif
  return lib;
}

// OpenBLAS takes the process's thread budget (threads.h) unless the user set its own variable. (The
// OpenMP build of OpenBLAS follows the calling thread's OpenMP count anyway; the pthreads build
// would otherwise start one thread per core.)
void apply_budget(const Library& lib, int threads) {
  if (lib.set_threads != nullptr && std::getenv("OPENBLAS_NUM_THREADS") == nullptr)
    lib.set_threads(threads);
}

const Library& library() {
  static const Library lib = [] {
    Library l = load();
    apply_budget(l, thread_budget().threads);
    loaded.store(true);
    return l;
  }();
  return lib;
}

// Portable fallback: correct on any machine, parallel over rows, not tuned.
template <class T>
void builtin_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  parallel_for(m, n * k, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        T acc = 0;
        for (int64_t p = 0; p < k; ++p) {
          T av = ta ? a[p * lda + i] : a[i * lda + p];
          T bv = tb ? b[j * ldb + p] : b[p * ldb + j];
          acc += av * bv;
        }
        c[i * ldc + j] = alpha * acc + (beta == T(0) ? T(0) : beta * c[i * ldc + j]);
      }
    }
  });
}

}  // namespace

const Info& info() { return library().info; }

void set_num_threads(int threads) {
  if (loaded.load()) apply_budget(library(), threads);
}

SgemmFn raw_sgemm() { return library().sgemm; }

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
#ifdef TANDEM_HAVE_DNNL
  if (k > 0 && dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c,
                          ldc) == dnnl_success)
    return;
    // k == 0 (C = beta * C) and any oneDNN refusal fall through to OpenBLAS / the builtin loop.
#endif
  if (auto f = library().sgemm) {
    f(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, static_cast<int>(m),
      static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
      static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
  } else {
    builtin_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (auto f = library().dgemm) {
    f(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, static_cast<int>(m),
      static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
      static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
  } else {
    builtin_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace tandem::kernels::cpu::blas
