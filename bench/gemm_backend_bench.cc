// How the CPU matmul backend was chosen: OpenBLAS (loaded by kernels/cpu/blas.cc) against oneDNN's
// dnnl_sgemm on the shapes Tandem's layers produce, in one run on one machine.
// Prints: BENCH gemm_backend_<m>x<k>x<n> tandem=<OpenBLAS GFLOP/s> peer=<oneDNN GFLOP/s> ratio=..
// unit=GFLOP/s
#include <dnnl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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
  blas::SgemmFn openblas = blas::raw_sgemm();
  if (!openblas) {
    std::printf("# no OpenBLAS loaded: nothing to compare\n");
    return 0;
  }
  std::printf("# OpenBLAS: %s (%s)\n", blas::info().library.c_str(), blas::info().core.c_str());
  struct Case {
    int m, k, n;
    bool trans_a, trans_b;
    const char* what;
  };
  const Case cases[] = {
      {1024, 1024, 1024, false, false, "square"},
      {128, 784, 256, false, false, "Dense 784->256 forward, batch 128"},
      {784, 128, 256, true, false, "Dense 784->256 kernel gradient x^T dy"},
      {128, 256, 784, false, true, "Dense 784->256 input gradient dy W^T"},
      {128, 256, 10, false, false, "Dense 256->10 forward, batch 128"},
      {25088, 288, 64, false, false, "conv 3x3x32->64 on 128x14x14 via im2col"},
  };
  for (const Case& c : cases) {
    std::vector<float> a(size_t(c.m) * c.k), b(size_t(c.k) * c.n);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(i % 7) * 0.25f - 0.5f;
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 5) * 0.125f - 0.25f;
    std::vector<float> ours(size_t(c.m) * c.n), peer(ours.size());
    int lda = c.trans_a ? c.m : c.k, ldb = c.trans_b ? c.k : c.n;
    double flops = 2.0 * c.m * c.k * c.n;
    int reps = flops > 1e9 ? 5 : 50;
    double t_dnnl = median_seconds(
        [&] {
          dnnl_sgemm(c.trans_a ? 'T' : 'N', c.trans_b ? 'T' : 'N', c.m, c.n, c.k, 1.f, a.data(),
                     lda, b.data(), ldb, 0.f, ours.data(), c.n);
        },
        reps);
    double t_openblas = median_seconds(
        [&] {
          constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
          openblas(kRowMajor, c.trans_a ? kTrans : kNoTrans, c.trans_b ? kTrans : kNoTrans, c.m,
                   c.n, c.k, 1.f, a.data(), lda, b.data(), ldb, 0.f, peer.data(), c.n);
        },
        reps);
    double max_diff = 0;
    for (size_t i = 0; i < ours.size(); ++i)
      max_diff = std::max(max_diff, static_cast<double>(std::abs(ours[i] - peer[i])));
    double g_dnnl = flops / t_dnnl / 1e9, g_openblas = flops / t_openblas / 1e9;
    std::printf(
        "BENCH gemm_backend_%dx%dx%d%s tandem=%.2f peer=%.2f ratio=%.3f unit=GFLOP/s  # %s%s\n",
        c.m, c.k, c.n, c.trans_a ? "_ta" : (c.trans_b ? "_tb" : ""), g_dnnl, g_openblas,
        g_dnnl / g_openblas, c.what, max_diff > 1e-2 ? " RESULTS DIFFER" : "");
  }
  return 0;
}
