// What this Tandem build and process run with (like tf.sysconfig / tf.config).
#pragma once

#include <string>

namespace tandem::config {

struct BuildInfo {
  bool cuda = false;                 // built with kernels/cuda
  int cuda_devices = 0;              // visible CUDA devices now
  int cpu_threads = 1;               // OpenMP threads for CPU kernels (the calling thread's)
  int thread_budget = 1;             // the per-rank CPU thread budget (threading below)
  std::string thread_budget_source;  // the rule that set it: "explicit", "OMP_NUM_THREADS", ...
  std::string sgemm_backend;  // who runs float32 matmul and conv2d: "oneDNN", "OpenBLAS", "builtin"
  std::string blas_library;   // the BLAS that was loaded ("builtin" when none)
  std::string blas_core;      // OpenBLAS's kernel family (e.g. "SkylakeX")
  std::string ignored_openblas_coretype;  // an inherited OPENBLAS_CORETYPE Tandem overrode
};

BuildInfo build_info();
// One line for logs: "Tandem: CPU threads 2, sgemm oneDNN, BLAS libopenblas.so.0 (SkylakeX), CUDA
// off".
std::string describe();

// The process's CPU thread budget (like tf.config.threading): one count for OpenMP's team (Tandem's
// kernels, oneDNN), OpenBLAS, and the input pipeline's AUTOTUNE parallelism. By default it is
// OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else this rank's share of the CPUs in its affinity
// mask among the ranks on its node (docs/performance.md, "Threads").
namespace threading {
// Sets the budget (n >= 1), or returns to the default (n == 0). OpenMP's count changes for the
// calling thread; datasets pick it up when their next iteration starts.
void set_intra_op_parallelism_threads(int n);
int get_intra_op_parallelism_threads();
}  // namespace threading

}  // namespace tandem::config
