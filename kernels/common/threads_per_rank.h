// The thread count for one of `ranks` processes on a node with `hardware_threads` when this process
// may run on `affinity_cpus` of them: ranks launched together are assumed to be spread evenly over
// the node, so ceil(ranks * affinity_cpus / hardware_threads) of them share this mask. Unbound
// ranks split the node; a rank bound to its own core or socket keeps that core or socket.
//
// The one rule for both the library's default thread budget (kernels/cpu/threads.h, rule 4) and
// tandemrun's rank wrapper, which exports it as OMP_NUM_THREADS before the program starts: the two
// cannot disagree. Header-only and dependency-free because the launcher links none of Tandem's
// libraries.
#pragma once

#include <algorithm>

namespace tandem::kernels {

inline int threads_per_rank(int affinity_cpus, int hardware_threads, int ranks) {
  affinity_cpus = std::max(1, affinity_cpus);
  hardware_threads = std::max(affinity_cpus, hardware_threads);
  ranks = std::max(1, ranks);
  const int sharing = static_cast<int>(
      (static_cast<long>(ranks) * affinity_cpus + hardware_threads - 1) / hardware_threads);
  return std::max(1, affinity_cpus / std::max(1, sharing));
}

}  // namespace tandem::kernels
