// The one place that decides how many threads a process runs on the CPU: OpenMP's team (Tandem's
// kernels and oneDNN), OpenBLAS's, and the input pipeline's AUTOTUNE parallelism all take the same
// per-rank budget, so that a fit over a Dataset does not put more busy threads on the cores than
// there are cores.
//
// The rule, first match wins:
//   1. an explicit setting (set_thread_budget; tandem::config::threading's setter);
//   2. OMP_NUM_THREADS (its first entry, "4,2" -> 4);
//   3. Slurm's SLURM_CPUS_PER_TASK;
//   4. this rank's share of the CPUs it may run on: the CPUs in its affinity mask
//      (sched_getaffinity) divided among the ranks that share that mask. Ranks launched together
//      on one node (the launcher's local size) are assumed to be spread evenly over the node's
//      hardware threads, so ceil(ranks * mask / hardware) of them share this mask: unbound ranks
//      split the node, a rank bound to its own core or socket keeps that core or socket.
// Why it matters: N ranks each taking every visible core run N x cores threads, and OpenMP's
// spinning barriers then wait on descheduled threads thousands of times a second (measured: 2
// unbound ranks of the Fashion-MNIST MLP on 2 cores ran 4x slower than 2 bound ones).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "kernels/common/threads_per_rank.h"

namespace tandem::kernels::cpu {

using GetEnv = std::function<const char*(const char*)>;

// Ranks on this node according to the launcher's environment: Open MPI's
// OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS, Slurm's SLURM_NTASKS_PER_NODE, or Slurm's
// SLURM_STEP_TASKS_PER_NODE / SLURM_TASKS_PER_NODE ("2(x3),1": the entry of node SLURM_NODEID,
// the first when it is unset). nullopt when not launched by one of them.
std::optional<int> ranks_on_node(const GetEnv& getenv);

// What the decision looks at; read_thread_inputs fills it from the process.
struct ThreadInputs {
  int affinity_cpus = 1;     // CPUs in this process's affinity mask
  int hardware_threads = 1;  // the node's hardware threads
  std::optional<int> ranks_on_node;
  std::optional<int> omp_num_threads;  // OMP_NUM_THREADS
  std::optional<int> cpus_per_task;    // SLURM_CPUS_PER_TASK
  std::optional<int> explicit_threads;
};

struct ThreadDecision {
  int threads = 1;
  std::string source;  // which rule decided: "explicit", "OMP_NUM_THREADS", ..., "affinity"
};

// The rule above as a pure function.
ThreadDecision decide_threads(const ThreadInputs& in);

// Rule 4 (kernels/common/threads_per_rank.h, shared with tandemrun's rank wrapper).
using kernels::threads_per_rank;

// CPUs in the calling thread's affinity mask (sched_getaffinity); the hardware thread count when
// it cannot be read.
int affinity_cpu_count();

ThreadInputs read_thread_inputs(const GetEnv& getenv);

// The budget now in force (decided at load time from the process's environment, or set).
ThreadDecision thread_budget();

// Sets the budget explicitly (n >= 1), or returns to the automatic decision (n == 0); applies it to
// OpenMP (for the calling thread, as omp_set_num_threads does) and OpenBLAS. The input pipeline's
// AUTOTUNE reads the budget when an iterator starts, so it follows from the next epoch on.
void set_thread_budget(int n);

// Gives the calling thread's OpenMP team the budget. OpenMP's count is per thread: one set on the
// main thread does not reach threads started later, which would start teams as large as the
// machine. Threads the library starts (the input pipeline's) call this first.
void adopt_thread_budget();

// Decides and applies the budget once (called by a static initializer of tandem_kernels).
void apply_default_thread_count();

}  // namespace tandem::kernels::cpu
