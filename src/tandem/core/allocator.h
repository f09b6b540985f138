// Caching CPU allocator for tensor storage (DESIGN section 5). Blocks are 64-byte aligned and
// rounded to size classes; freed blocks go to a per-class free list, so a training loop whose
// tensor sizes repeat stops calling the system allocator after its first step. Each thread keeps
// a small cache of blocks up to 64 KiB in front of the shared lists, so threads that allocate and
// free many small tensors (input pipelines) do not contend for a lock.
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
// Throws std::bad_alloc when the system has no such block, and without asking it for one larger
// than the machine's memory plus swap (Tensor::empty turns that into ResourceExhaustedError).
void* allocate(size_t bytes);
void deallocate(void* ptr, size_t bytes);
AllocatorStats stats();
// Returns the shared lists' and the calling thread's cached blocks to the system (other threads'
// small caches stay with them until they exit).
void empty_cache();

// A standard allocator over the same blocks, for the small objects made with every tensor (its
// TensorImpl and Storage, through std::allocate_shared): they then come from the calling thread's
// cache instead of malloc, which pipeline threads that make and free tensors contend for.
template <class T>
struct ObjectAllocator {
  using value_type = T;
  ObjectAllocator() = default;
  template <class U>
  ObjectAllocator(const ObjectAllocator<U>&) {}  // NOLINT: rebinding, as allocators do
  T* allocate(size_t n) { return static_cast<T*>(cpu_allocator::allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { cpu_allocator::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const ObjectAllocator<U>&) const {
    return true;
  }
};
}  // namespace cpu_allocator

}  // namespace tandem
