#include "tandem/core/config.h"

#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/threads.h"
#include "tandem/core/device.h"
#include "tandem/core/error.h"

namespace tandem::config {

BuildInfo build_info() {
  BuildInfo info;
#ifdef TANDEM_HAVE_CUDA
  info.cuda = true;
#endif
  info.cuda_devices = cuda_device_count();
  info.cpu_threads = kernels::cpu::num_threads();
  kernels::cpu::ThreadDecision budget = kernels::cpu::thread_budget();
  info.thread_budget = budget.threads;
  info.thread_budget_source = budget.source;
  const auto& blas = kernels::cpu::blas::info();
  info.sgemm_backend = blas.sgemm_backend;
  info.blas_library = blas.library;
  info.blas_core = blas.core;
  info.ignored_openblas_coretype = blas.ignored_coretype;
  return info;
}

std::string describe() {
  BuildInfo i = build_info();
  std::string s = "Tandem: CPU threads " + std::to_string(i.cpu_threads);
  s += " (budget " + std::to_string(i.thread_budget) + " from " + i.thread_budget_source + ")";
  s += ", sgemm " + i.sgemm_backend + ", BLAS " + i.blas_library;
  if (!i.blas_core.empty()) s += " (" + i.blas_core + ")";
  if (!i.ignored_openblas_coretype.empty())
    s += ", inherited OPENBLAS_CORETYPE=" + i.ignored_openblas_coretype + " overridden";
  s += i.cuda ? ", CUDA on (" + std::to_string(i.cuda_devices) + " device(s))" : ", CUDA off";
  return s;
}

namespace threading {

void set_intra_op_parallelism_threads(int n) {
  TANDEM_CHECK(n >= 0, ValueError,
               "set_intra_op_parallelism_threads: expected a thread count >= 1, or 0 for the "
               "default, received ",
               n);
  kernels::cpu::set_thread_budget(n);
}

int get_intra_op_parallelism_threads() { return kernels::cpu::thread_budget().threads; }

}  // namespace threading

}  // namespace tandem::config
