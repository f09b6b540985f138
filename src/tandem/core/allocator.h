// Caching CPU allocator for tensor storage (DESIGN section 5). Blocks are 64-byte aligned and
// rounded to size classes; freed blocks go to a per-class free list, so a training loop whose
// tensor sizes repeat stops calling the system allocator after its first step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tandem {

struct AllocatorStats {
  int64_t system_allocations = 0;  // blocks obtained from the system (aligned_alloc)
  int64_t allocations = 0;         // all allocate() calls, cached or not
  int64_t bytes_in_use = 0;
  int64_t bytes_cached = 0;
};

namespace cpu_allocator {
constexpr size_t kAlignment = 64;
void* allocate(size_t bytes);
void deallocate(void* ptr, size_t bytes);
AllocatorStats stats();
// Returns every cached block to the system.
void empty_cache();
}  // namespace cpu_allocator

}  // namespace tandem
