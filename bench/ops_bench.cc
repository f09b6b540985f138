// Op throughput against the peers in the same process:
//   matmul (GFLOP/s) through tandem::matmul vs a direct call of the library behind it (oneDNN's
//   dnnl_sgemm, or OpenBLAS's cblas_sgemm in a build without oneDNN);
//   element-wise add (GB/s, bytes read + written) vs a plain memcpy moving the same bytes.
//   ./ops_bench [--smoke]
// Prints `BENCH <case> tandem=<v> peer=<v> ratio=<tandem/peer> unit=<unit>` per case.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#ifdef TANDEM_HAVE_DNNL
#include <dnnl.h>
#endif

#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
#include "tandem/ops/linalg.h"
#include "tandem/tandem.h"

namespace {

namespace blas = tandem::kernels::cpu::blas;
using Clock = std::chrono::steady_clock;

// Values in [0, 1) without depending on the random ops.
tandem::Tensor filled(int64_t rows, int64_t cols) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.f;
  return tandem::Tensor::from_vector(v, {rows, cols});
}

// Median seconds per call of f over `samples` timings of `calls` back-to-back calls each.
double median_seconds(const std::function<void()>& f, int samples, int calls) {
  std::vector<double> t;
  for (int s = 0; s < samples; ++s) {
    auto begin = Clock::now();
    for (int c = 0; c < calls; ++c) f();
    t.push_back(std::chrono::duration<double>(Clock::now() - begin).count() / calls);
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

// Times ours and the peer's alternately (so drift in clock speed hits both) after warm-up.
std::pair<double, double> time_pair(const std::function<void()>& ours,
                                    const std::function<void()>& peer, int samples, int calls) {
  for (int i = 0; i < 3; ++i) {
    ours();
    peer();
  }
  std::vector<double> a, b;
  for (int s = 0; s < samples; ++s) {
    a.push_back(median_seconds(ours, 1, calls));
    b.push_back(median_seconds(peer, 1, calls));
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  return {median(a), median(b)};
}

void report(const std::string& name, double ours, double peer, const char* unit) {
  std::printf("BENCH %s tandem=%.2f peer=%.2f ratio=%.3f unit=%s\n", name.c_str(), ours, peer,
              ours / peer, unit);
  std::fflush(stdout);
}

void bench_matmul(int64_t m, int64_t k, int64_t n, int samples, int calls) {
  tandem::Tensor a = filled(m, k);
  tandem::Tensor b = filled(k, n);
  std::vector<float> c(static_cast<size_t>(m * n));
  blas::SgemmFn sgemm = blas::raw_sgemm();
  if (!sgemm) {
    std::printf("# matmul %ldx%ldx%ld skipped: no OpenBLAS loaded\n", m, k, n);
    return;
  }
  tandem::Tensor sink;
  auto ours = [&] { sink = tandem::matmul(a, b); };
  auto peer = [&] {
#ifdef TANDEM_HAVE_DNNL
    dnnl_sgemm('N', 'N', m, n, k, 1.f, a.data<float>(), k, b.data<float>(), n, 0.f, c.data(), n);
    return;
#endif
    constexpr int kRowMajor = 101, kNoTrans = 111;
    sgemm(kRowMajor, kNoTrans, kNoTrans, static_cast<int>(m), static_cast<int>(n),
          static_cast<int>(k), 1.f, a.data<float>(), static_cast<int>(k), b.data<float>(),
          static_cast<int>(n), 0.f, c.data(), static_cast<int>(n));
  };
  auto [t_ours, t_peer] = time_pair(ours, peer, samples, calls);
  double flops = 2.0 * static_cast<double>(m * n * k);
  report("matmul_" + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n),
         flops / t_ours * 1e-9, flops / t_peer * 1e-9, "GFLOP/s");
  // The two results must agree, or the comparison means nothing.
  std::vector<float> ours_values = sink.to_vector<float>();
  double max_diff = 0;
  for (size_t i = 0; i < c.size(); ++i)
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(ours_values[i] - c[i])));
  if (max_diff > 1e-3) std::printf("# WARNING: results differ by %g\n", max_diff);
}

void bench_add(int64_t n, int samples) {
  tandem::Tensor x = filled(n, 1);
  tandem::Tensor y = filled(n, 1);
  // add reads two arrays and writes one; memcpy of 1.5x the array moves the same bytes.
  const size_t bytes = 3 * static_cast<size_t>(n) * sizeof(float);
  std::vector<char> src(bytes / 2, 1), dst(bytes / 2, 0);
  tandem::Tensor sink;
  auto ours = [&] { sink = tandem::add(x, y); };
  auto peer = [&] { std::memcpy(dst.data(), src.data(), src.size()); };
  auto [t_ours, t_peer] = time_pair(ours, peer, samples, 1);
  report("add_" + std::to_string(n / (1 << 20)) + "M_float32", bytes / t_ours * 1e-9,
         bytes / t_peer * 1e-9, "GB/s");
}

}  // namespace

int main(int argc, char** argv) {
  // --smoke: one timing of each case (bench/run --smoke, in CI), not a measurement.
  const bool smoke = argc > 1 && std::string(argv[1]) == "--smoke";
  const blas::Info& info = blas::info();
  std::printf("# sgemm=%s OpenBLAS library=%s core=%s ignored_OPENBLAS_CORETYPE=%s threads=%d\n",
              info.sgemm_backend.c_str(), info.library.c_str(),
              info.core.empty() ? "unknown" : info.core.c_str(),
              info.ignored_coretype.empty() ? "(none)" : info.ignored_coretype.c_str(),
              tandem::kernels::cpu::num_threads());
  bench_matmul(1024, 1024, 1024, smoke ? 1 : 31, 1);
  bench_matmul(128, 784, 256, smoke ? 1 : 41, smoke ? 1 : 10);
  bench_add(int64_t{16} << 20, smoke ? 1 : 21);
  return 0;
}
