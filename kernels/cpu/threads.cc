#include "kernels/cpu/threads.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "kernels/cpu/blas.h"

namespace tandem::kernels::cpu {

namespace {

std::optional<int> positive_int(const char* text) {
  if (text == nullptr) return std::nullopt;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);  // "4(x2)" and "4,2" read as 4
  if (end == text || value <= 0) return std::nullopt;
  return static_cast<int>(value);
}

// Slurm's per-node task counts, "2(x3),1" (nodes 0-2 run 2 tasks, node 3 runs 1), for `node`.
std::optional<int> slurm_tasks_of_node(const char* spec, int node) {
  const char* p = spec;
  while (p != nullptr && *p != '\0') {
    char* end = nullptr;
    long count = std::strtol(p, &end, 10);
    if (end == p || count <= 0) return std::nullopt;
    long repeat = 1;
    if (end[0] == '(' && end[1] == 'x') {
      repeat = std::strtol(end + 2, &end, 10);
      if (repeat <= 0 || *end != ')') return std::nullopt;
      ++end;
    }
    if (node < repeat) return static_cast<int>(count);
    node -= static_cast<int>(repeat);
    p = *end == ',' ? end + 1 : nullptr;
  }
  return std::nullopt;
}

struct Budget {
  std::mutex mutex;
  ThreadDecision automatic;             // decided from the environment at load time
  std::optional<int> explicit_threads;  // set_thread_budget
};

Budget& budget() {
  static Budget b;
  return b;
}

// Runs before main() in every program linking tandem_kernels.
[[maybe_unused]] const bool applied = (apply_default_thread_count(), true);

}  // namespace

std::optional<int> ranks_on_node(const GetEnv& getenv) {
  for (const char* name :
       {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}) {
    if (auto n = positive_int(getenv(name))) return n;
  }
  int node = positive_int(getenv("SLURM_NODEID")).value_or(0);  // node 0 reads as unset: fine
  for (const char* name : {"SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"}) {
    if (const char* spec = getenv(name)) {
      if (auto n = slurm_tasks_of_node(spec, node)) return n;
    }
  }
  return std::nullopt;
}

ThreadDecision decide_threads(const ThreadInputs& in) {
  if (in.explicit_threads) return {*in.explicit_threads, "explicit"};
  if (in.omp_num_threads) return {*in.omp_num_threads, "OMP_NUM_THREADS"};
  if (in.cpus_per_task) return {*in.cpus_per_task, "SLURM_CPUS_PER_TASK"};
  int ranks = in.ranks_on_node.value_or(1);
  if (ranks <= 1) return {std::max(1, in.affinity_cpus), "affinity"};
  return {threads_per_rank(in.affinity_cpus, in.hardware_threads, ranks), "affinity/local ranks"};
}

int affinity_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

ThreadInputs read_thread_inputs(const GetEnv& getenv) {
  ThreadInputs in;
  in.affinity_cpus = affinity_cpu_count();
  unsigned hardware = std::thread::hardware_concurrency();
  in.hardware_threads = std::max(in.affinity_cpus, static_cast<int>(hardware));
  in.ranks_on_node = ranks_on_node(getenv);
  in.omp_num_threads = positive_int(getenv("OMP_NUM_THREADS"));
  in.cpus_per_task = positive_int(getenv("SLURM_CPUS_PER_TASK"));
  return in;
}

ThreadDecision thread_budget() {
  Budget& b = budget();
  std::lock_guard<std::mutex> lock(b.mutex);
  if (b.explicit_threads) return {*b.explicit_threads, "explicit"};
  return b.automatic;
}

void set_thread_budget(int n) {
  ThreadDecision now;
  {
    Budget& b = budget();
    std::lock_guard<std::mutex> lock(b.mutex);
    b.explicit_threads = n > 0 ? std::optional<int>(n) : std::nullopt;
    now = b.explicit_threads ? ThreadDecision{n, "explicit"} : b.automatic;
  }
  omp_set_num_threads(now.threads);
  blas::set_num_threads(now.threads);
}

void adopt_thread_budget() { omp_set_num_threads(thread_budget().threads); }

void apply_default_thread_count() {
  ThreadDecision decision =
      decide_threads(read_thread_inputs([](const char* name) { return std::getenv(name); }));
  {
    Budget& b = budget();
    std::lock_guard<std::mutex> lock(b.mutex);
    b.automatic = decision;
  }
  // OpenMP read OMP_NUM_THREADS itself (including nested lists such as "4,2"); leave it be.
  if (decision.source != "OMP_NUM_THREADS") omp_set_num_threads(decision.threads);
  // OpenBLAS takes the budget when it is loaded (blas.cc).
}

}  // namespace tandem::kernels::cpu
