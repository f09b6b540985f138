// What this Tandem build and process run with (like tf.sysconfig / tf.config).
#pragma once

#include <string>

namespace tandem::config {

struct BuildInfo {
  bool cuda = false;          // built with kernels/cuda
  int cuda_devices = 0;       // visible CUDA devices now
  int cpu_threads = 1;        // OpenMP threads for CPU kernels
  std::string sgemm_backend;  // who runs float32 matmul and conv2d: "oneDNN", "OpenBLAS", "builtin"
  std::string blas_library;   // the BLAS that was loaded ("builtin" when none)
  std::string blas_core;      // OpenBLAS's kernel family (e.g. "SkylakeX")
  std::string ignored_openblas_coretype;  // an inherited OPENBLAS_CORETYPE Tandem overrode
};

BuildInfo build_info();
// One line for logs: "Tandem: CPU threads 2, sgemm oneDNN, BLAS libopenblas.so.0 (SkylakeX), CUDA
// off".
std::string describe();

}  // namespace tandem::config
