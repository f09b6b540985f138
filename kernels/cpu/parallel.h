// OpenMP loop helpers. Small loops stay serial: a parallel region costs a few microseconds, more
// than the work below the threshold (measured in bench/ops_bench.cc).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace tandem::kernels::cpu {

// Element count below which element-wise loops run on the calling thread.
constexpr int64_t kParallelThreshold = 1 << 15;

inline int num_threads() { return omp_get_max_threads(); }

// Calls body(begin, end) over [0, n) in contiguous chunks, in parallel when the work (n * cost) is
// large.
template <class F>
void parallel_for(int64_t n, int64_t cost_per_item, F&& body) {
  if (n <= 0) return;
  int threads = num_threads();
  if (threads <= 1 || n * cost_per_item < kParallelThreshold || omp_in_parallel()) {
    body(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(
      threads, std::max<int64_t>(1, n * cost_per_item / (kParallelThreshold / 4)));
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t begin = n * c / chunks;
    int64_t end = n * (c + 1) / chunks;
    body(begin, end);
  }
}

}  // namespace tandem::kernels::cpu
