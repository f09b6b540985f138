// The CUDA side of the kernels, declared without CUDA headers so src/tandem can call it from plain
// C++. Compiled only when CMake finds a CUDA toolkit (TANDEM_HAVE_CUDA).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/common/functors.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cuda {

// Number of visible devices; 0 when there is no driver or no GPU (never throws).
int device_count();
std::string device_name(int device);

// The compute stream of `device` (one per process and device; NCCL gets its own in comm/).
void* stream(int device);
void synchronize(int device);

// Caching device allocator: freed blocks are kept per size class and reused.
void* allocate(int device, size_t bytes);
void deallocate(int device, void* ptr, size_t bytes);
struct AllocatorStats {
  int64_t device_mallocs = 0;  // calls that reached cudaMalloc
  int64_t bytes_in_use = 0;
  int64_t bytes_cached = 0;
};
AllocatorStats allocator_stats(int device);

// Copies between host and device memory (kinds are inferred by the driver).
void copy(void* dst, const void* src, size_t bytes, int device);

// Element-wise launchers over the functors in kernels/common/functors.h.
void unary(int device, UnaryOp op, ScalarType t, const void* x, void* y, int64_t n,
           float alpha = 0.f);
void binary(int device, BinaryOp op, ScalarType t, const void* a, const void* b, void* out,
            const BroadcastSpec& spec);
void cast(int device, ScalarType from, ScalarType to, const void* x, void* y, int64_t n);
void fill(int device, ScalarType t, void* y, int64_t n, double value);

}  // namespace tandem::kernels::cuda
