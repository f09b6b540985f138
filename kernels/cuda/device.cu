// Device discovery and the per-device compute stream.
#include <mutex>
#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/runtime.h"

namespace tandem::kernels::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

std::string device_name(int device) {
  cudaDeviceProp prop{};
  TANDEM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

void* stream(int device) {
  static std::mutex mu;
  static std::vector<cudaStream_t> streams;
  std::lock_guard<std::mutex> lock(mu);
  if (static_cast<int>(streams.size()) <= device) streams.resize(device + 1, nullptr);
  if (!streams[device]) {
    TANDEM_CUDA_CHECK(cudaSetDevice(device));
    TANDEM_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[device], cudaStreamNonBlocking));
  }
  return streams[device];
}

void synchronize(int device) {
  TANDEM_CUDA_CHECK(cudaSetDevice(device));
  TANDEM_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream(device))));
}

void copy(void* dst, const void* src, size_t bytes, int device) {
  if (bytes == 0) return;
  TANDEM_CUDA_CHECK(cudaSetDevice(device));
  auto s = static_cast<cudaStream_t>(stream(device));
  TANDEM_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, s));
  TANDEM_CUDA_CHECK(cudaStreamSynchronize(s));
}

}  // namespace tandem::kernels::cuda
