#include "tandem/core/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace tandem::cpu_allocator {
namespace {

// Size classes: multiples of 64 B up to 4 KiB, then four classes per power of two (at most 25%
// waste).
size_t size_class(size_t bytes) {
  if (bytes <= 4096)
    return bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  size_t pow2 = size_t{1} << (63 - __builtin_clzll(bytes - 1));  // largest power of two < bytes
  size_t step = pow2 / 4;
  return (bytes + step - 1) / step * step;
}

struct Pool {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: tensors in static storage may outlive main()
  return *p;
}

}  // namespace

void* allocate(size_t bytes) {
  size_t cls = size_class(bytes);
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mu);
    ++p.stats.allocations;
    p.stats.bytes_in_use += static_cast<int64_t>(cls);
    auto it = p.free_lists.find(cls);
    if (it != p.free_lists.end() && !it->second.empty()) {
      void* ptr = it->second.back();
      it->second.pop_back();
      p.stats.bytes_cached -= static_cast<int64_t>(cls);
      return ptr;
    }
    ++p.stats.system_allocations;
  }
  void* ptr = std::aligned_alloc(kAlignment, cls);
  if (!ptr) {
    empty_cache();
    ptr = std::aligned_alloc(kAlignment, cls);
    if (!ptr) throw std::bad_alloc();
  }
  return ptr;
}

void deallocate(void* ptr, size_t bytes) {
  if (!ptr) return;
  size_t cls = size_class(bytes);
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  p.free_lists[cls].push_back(ptr);
  p.stats.bytes_in_use -= static_cast<int64_t>(cls);
  p.stats.bytes_cached += static_cast<int64_t>(cls);
}

AllocatorStats stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.stats;
}

void empty_cache() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  for (auto& [cls, list] : p.free_lists) {
    for (void* ptr : list) std::free(ptr);
    p.stats.bytes_cached -= static_cast<int64_t>(cls * list.size());
    list.clear();
  }
}

}  // namespace tandem::cpu_allocator
