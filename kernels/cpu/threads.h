// How many OpenMP threads a process uses when the user has not said (OMP_NUM_THREADS unset).
//
// Ranks started together on one node (mpirun, srun) share its cores. Left alone, each rank's
// OpenMP team would take every core it can see, N ranks would run N x cores threads, and OpenMP's
// spinning barriers would then wait on descheduled threads thousands of times a second (measured:
// 2 unbound ranks of the Fashion-MNIST MLP on 2 cores ran 4x slower than 2 bound ones). So each
// rank takes its share of the node: min(CPUs it may run on, hardware threads / ranks on the node).
#pragma once

#include <functional>
#include <optional>

namespace tandem::kernels::cpu {

// Ranks on this node according to the launcher's environment: Open MPI's
// OMPI_COMM_WORLD_LOCAL_SIZE, MPICH's MPI_LOCALNRANKS, or Slurm's SLURM_STEP_TASKS_PER_NODE
// ("4" or "4(x2)": the first count). nullopt when not launched by one of them.
std::optional<int> ranks_on_node(const std::function<const char*(const char*)>& getenv);

// The thread count for one of `ranks` processes on a node with `hardware_threads`, when this
// process may run on `visible_cpus` of them (its affinity mask).
int threads_per_rank(int visible_cpus, int hardware_threads, int ranks);

// Applies the rule above once (called by a static initializer of tandem_kernels): a no-op when
// OMP_NUM_THREADS is set, outside a launcher, or with one rank per node. Slurm's
// SLURM_CPUS_PER_TASK, when set, is used as the count.
void apply_default_thread_count();

}  // namespace tandem::kernels::cpu
