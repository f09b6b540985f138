// Error checking for CUDA runtime calls.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace tandem::kernels::cuda {

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e));
}

}  // namespace tandem::kernels::cuda

#define TANDEM_CUDA_CHECK(call) ::tandem::kernels::cuda::check((call), #call)
