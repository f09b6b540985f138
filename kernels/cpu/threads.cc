#include "kernels/cpu/threads.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace tandem::kernels::cpu {

namespace {

std::optional<int> positive_int(const char* text) {
  if (text == nullptr) return std::nullopt;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);  // "4(x2)" reads as 4
  if (end == text || value <= 0) return std::nullopt;
  return static_cast<int>(value);
}

// Runs before main() in every program linking tandem_kernels.
[[maybe_unused]] const bool applied = (apply_default_thread_count(), true);

}  // namespace

std::optional<int> ranks_on_node(const std::function<const char*(const char*)>& getenv) {
  for (const char* name :
       {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_TASKS_PER_NODE"}) {
    if (auto n = positive_int(getenv(name))) return n;
  }
  return std::nullopt;
}

int threads_per_rank(int visible_cpus, int hardware_threads, int ranks) {
  int share = std::max(1, hardware_threads / std::max(1, ranks));
  return std::max(1, std::min(visible_cpus, share));
}

void apply_default_thread_count() {
  if (std::getenv("OMP_NUM_THREADS") != nullptr) return;
  if (auto per_task = positive_int(std::getenv("SLURM_CPUS_PER_TASK"))) {
    omp_set_num_threads(*per_task);
    return;
  }
  std::optional<int> ranks = ranks_on_node([](const char* name) { return std::getenv(name); });
  if (!ranks || *ranks <= 1) return;
  int hardware = static_cast<int>(std::thread::hardware_concurrency());
  omp_set_num_threads(threads_per_rank(omp_get_num_procs(), hardware > 0 ? hardware : 1, *ranks));
}

}  // namespace tandem::kernels::cpu
