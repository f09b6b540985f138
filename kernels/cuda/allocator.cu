// Caching device allocator. cudaMalloc/cudaFree synchronise the device, so blocks are rounded to
// size classes and kept on per-class free lists for reuse; steady-state steps then never reach the
// driver.
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/check.cuh"
#include "kernels/cuda/runtime.h"

namespace tandem::kernels::cuda {
namespace {

size_t size_class(size_t bytes) {
  if (bytes <= 512) return 512;
  if (bytes <= (size_t{1} << 20)) return (bytes + 511) / 512 * 512;
  return (bytes + (size_t{1} << 20) - 1) >> 20 << 20;  // 1 MiB granularity above 1 MiB
}

struct DevicePool {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  AllocatorStats stats;
};

DevicePool& pool(int device) {
  static std::mutex mu;
  static std::unordered_map<int, DevicePool*> pools;  // never destroyed: outlives static tensors
  std::lock_guard<std::mutex> lock(mu);
  auto& p = pools[device];
  if (!p) p = new DevicePool;
  return *p;
}

}  // namespace

void* allocate(int device, size_t bytes) {
  size_t cls = size_class(bytes);
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mu);
  auto it = p.free_blocks.find(cls);
  void* ptr = nullptr;
  if (it != p.free_blocks.end()) {
    ptr = it->second;
    p.free_blocks.erase(it);
    p.stats.bytes_cached -= cls;
  } else {
    TANDEM_CUDA_CHECK(cudaSetDevice(device));
    if (cudaMalloc(&ptr, cls) != cudaSuccess) {
      // Out of memory: give the cache back to the driver and try once more.
      cudaGetLastError();
      for (auto& [size, block] : p.free_blocks) cudaFree(block);
      p.free_blocks.clear();
      p.stats.bytes_cached = 0;
      cudaError_t e = cudaMalloc(&ptr, cls);
      if (e == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        throw std::bad_alloc();  // Tensor::empty reports it as ResourceExhaustedError
      }
      TANDEM_CUDA_CHECK(e);
    }
    ++p.stats.device_mallocs;
  }
  p.stats.bytes_in_use += cls;
  return ptr;
}

void deallocate(int device, void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t cls = size_class(bytes);
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mu);
  p.free_blocks.emplace(cls, ptr);
  p.stats.bytes_in_use -= cls;
  p.stats.bytes_cached += cls;
}

AllocatorStats allocator_stats(int device) {
  DevicePool& p = pool(device);
  std::lock_guard<std::mutex> lock(p.mu);
  return p.stats;
}

}  // namespace tandem::kernels::cuda
