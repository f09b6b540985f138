// How the CPU matmul backend was chosen: OpenBLAS (loaded by kernels/cpu/blas.cc) against oneDNN's
// dnnl_sgemm on the shapes Tandem's layers produce, in one run on one machine.
// Prints: BENCH gemm_backend_<m>x<k>x<n> tandem=<OpenBLAS GFLOP/s> peer=<oneDNN GFLOP/s> ratio=..
// unit=GFLOP/s
#include <dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "kernels/cpu/blas.h"

namespace {

double median_seconds(const std::function<void()>& f, int reps) {
  f();  // warm-up: page faults, thread pools, JIT kernels
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto s = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main() {
  namespace blas = tandem::kernels::cpu::blas;
  std::printf("# OpenBLAS: %s (%s)\n", blas::info().library.c_str(), blas::info().core.c_str());
  struct Case {
    int m, k, n;
    const char* what;
  };
  const Case cases[] = {
      {1024, 1024, 1024, "square"},
      {128, 784, 256, "Dense 784->256, batch 128"},
      {128, 256, 10, "Dense 256->10, batch 128"},
      {25088, 288, 64, "conv 3x3x32->64 on 128x14x14 via im2col"},
  };
  for (const Case& c : cases) {
    std::vector<float> a(size_t(c.m) * c.k, 0.5f), b(size_t(c.k) * c.n, 0.25f),
        out(size_t(c.m) * c.n);
    double flops = 2.0 * c.m * c.k * c.n;
    int reps = flops > 1e9 ? 5 : 50;
    double t_openblas = median_seconds(
        [&] {
          blas::gemm(false, false, c.m, c.n, c.k, 1.f, a.data(), c.k, b.data(), c.n, 0.f,
                     out.data(), c.n);
        },
        reps);
    double t_dnnl = median_seconds(
        [&] {
          dnnl_sgemm('N', 'N', c.m, c.n, c.k, 1.f, a.data(), c.k, b.data(), c.n, 0.f, out.data(),
                     c.n);
        },
        reps);
    double g_openblas = flops / t_openblas / 1e9, g_dnnl = flops / t_dnnl / 1e9;
    std::printf("BENCH gemm_backend_%dx%dx%d tandem=%.2f peer=%.2f ratio=%.3f unit=GFLOP/s  # %s\n",
                c.m, c.k, c.n, g_openblas, g_dnnl, g_openblas / g_dnnl, c.what);
  }
  return 0;
}
