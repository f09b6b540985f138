#include "tandem/core/allocator.h"

#include <sys/sysinfo.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

namespace tandem::cpu_allocator {
namespace {

// Size classes: multiples of 64 B up to 4 KiB, then four classes per power of two (at most 25%
// waste). Each class has an index into a flat table of free lists, so finding a block is an array
// lookup under the lock.
struct SizeClass {
  size_t bytes;
  size_t index;
};

constexpr size_t kSmallLimit = 4096;
constexpr size_t kSmallClasses = kSmallLimit / kAlignment;  // 64 .. 4096 bytes
constexpr size_t kClasses = kSmallClasses + 4 * (64 - 12);  // then 4 per power of two

SizeClass size_class(size_t bytes) {
  if (bytes <= kSmallLimit) {
    size_t cls = bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
    return {cls, cls / kAlignment - 1};
  }
  int log2 = 63 - __builtin_clzll(bytes - 1);  // 2^log2 is the largest power of two < bytes
  size_t step = (size_t{1} << log2) / 4;
  size_t cls = (bytes + step - 1) / step * step;  // 5..8 steps
  return {cls, kSmallClasses + 4 * static_cast<size_t>(log2 - 12) + cls / step - 5};
}

struct ThreadCache;

// Blocks freed by any thread wait in the shared pool, one free list per class.
struct Pool {
  std::mutex mu;
  std::vector<void*> free_lists[kClasses];
  int64_t system_allocations = 0;
  int64_t bytes_cached = 0;  // in the free lists above
  // Counts of exited threads' caches, folded in when they go.
  int64_t allocations = 0;
  int64_t bytes_in_use = 0;
  std::vector<ThreadCache*> caches;  // live threads' caches, for stats()
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: tensors in static storage may outlive main()
  return *p;
}

// Each thread keeps a few freed blocks of each class for itself, so the common allocate/free
// pair takes no lock. Without it, pipeline threads (a map's workers, prefetch) that allocate an
// element's tensors in one thread and free them in another queued on the pool's mutex: measured
// as a quarter of the extra CPU time of a 2-thread TFRecord pipeline. Blocks move between a
// thread and the pool half a cache at a time. Only classes up to kThreadCachedLimit are cached
// per thread, so idle threads hold little memory.
constexpr size_t kThreadCachedLimit = 64 * 1024;
constexpr size_t kThreadCacheBytesPerClass = 256 * 1024;

size_t thread_capacity(size_t cls) {
  return std::clamp<size_t>(kThreadCacheBytesPerClass / cls, 4, 256);
}

// The thread's cache, reached through plain pointers: initial-exec TLS is a single load from the
// thread pointer, where a thread_local object in a shared library costs a __tls_get_addr call and
// a guard check on every allocation. t_cache_gone: the thread is exiting and its cache is gone.
[[gnu::tls_model("initial-exec")]] thread_local ThreadCache* t_cache = nullptr;
[[gnu::tls_model("initial-exec")]] thread_local bool t_cache_gone = false;

struct ThreadCache {
  std::vector<void*> free_lists[kClasses];
  // Written by the owner only; read by stats() from any thread.
  std::atomic<int64_t> allocations{0};
  std::atomic<int64_t> bytes_in_use{0};
  std::atomic<int64_t> bytes_cached{0};

  ThreadCache() {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mu);
    p.caches.push_back(this);
  }
  ~ThreadCache() {
    t_cache_gone = true;
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mu);
    release_all(p);
    p.allocations += allocations.load(std::memory_order_relaxed);
    p.bytes_in_use += bytes_in_use.load(std::memory_order_relaxed);
    p.caches.erase(std::find(p.caches.begin(), p.caches.end(), this));
  }

  // Moves every cached block to the pool (p.mu held).
  void release_all(Pool& p) {
    for (size_t i = 0; i < kClasses; ++i) {
      for (void* ptr : free_lists[i]) p.free_lists[i].push_back(ptr);
      free_lists[i].clear();
    }
    p.bytes_cached += bytes_cached.load(std::memory_order_relaxed);
    bytes_cached.store(0, std::memory_order_relaxed);
  }
};

// Owns the thread's cache: created with it, destroyed when the thread exits.
struct ThreadCacheOwner {
  ~ThreadCacheOwner() {
    ThreadCache* cache = t_cache;
    t_cache = nullptr;  // blocks freed from here on go straight to the pool
    delete cache;
  }
};

[[gnu::noinline]] ThreadCache* make_thread_cache() {
  thread_local ThreadCacheOwner owner;
  t_cache = new ThreadCache;
  return t_cache;
}

ThreadCache* thread_cache() {
  if (t_cache != nullptr) [[likely]]
    return t_cache;
  return t_cache_gone ? nullptr : make_thread_cache();
}

void add(std::atomic<int64_t>& counter, int64_t delta) {  // owner-only: no atomic read-modify-write
  counter.store(counter.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
}

// Moves up to `count` blocks from the end of one free list to another; returns how many.
int64_t move_blocks(std::vector<void*>& from, std::vector<void*>& to, size_t count) {
  size_t n = std::min(count, from.size());
  to.insert(to.end(), from.end() - static_cast<std::ptrdiff_t>(n), from.end());
  from.resize(from.size() - n);
  return static_cast<int64_t>(n);
}

// The most one block may take: the machine's memory plus swap. Linux's default overcommit policy
// refuses a larger request anyway; with overcommit always on it would succeed and the first write
// to it would summon the OOM killer, so a request no machine of this size can back fails here,
// as an exception, on every policy.
size_t system_memory_limit() {
  static const size_t limit = [] {
    struct sysinfo info {};
    if (sysinfo(&info) != 0) return std::numeric_limits<size_t>::max();
    unsigned __int128 total =
        (static_cast<unsigned __int128>(info.totalram) + info.totalswap) * info.mem_unit;
    return total > std::numeric_limits<size_t>::max() ? std::numeric_limits<size_t>::max()
                                                      : static_cast<size_t>(total);
  }();
  return limit;
}

constexpr size_t kCheckedAbove = size_t{1} << 30;

void* system_allocate(size_t cls) {
  void* ptr = std::aligned_alloc(kAlignment, cls);
  if (!ptr) {
    empty_cache();
    ptr = std::aligned_alloc(kAlignment, cls);
    if (!ptr) throw std::bad_alloc();
  }
  return ptr;
}

}  // namespace

void* allocate(size_t bytes) {
  // Only large requests pay for the check (a thread-safe static's guard on every call would not).
  if (bytes > kCheckedAbove && bytes > system_memory_limit()) throw std::bad_alloc();
  auto [cls, index] = size_class(bytes);
  Pool& p = pool();
  ThreadCache* cache = cls <= kThreadCachedLimit ? thread_cache() : nullptr;
  if (cache == nullptr) {
    {
      std::lock_guard<std::mutex> lock(p.mu);
      ++p.allocations;
      p.bytes_in_use += static_cast<int64_t>(cls);
      std::vector<void*>& list = p.free_lists[index];
      if (!list.empty()) {
        void* ptr = list.back();
        list.pop_back();
        p.bytes_cached -= static_cast<int64_t>(cls);
        return ptr;
      }
      ++p.system_allocations;
    }
    try {
      return system_allocate(cls);
    } catch (const std::bad_alloc&) {
      std::lock_guard<std::mutex> lock(p.mu);  // the block was never handed out
      --p.allocations;
      --p.system_allocations;
      p.bytes_in_use -= static_cast<int64_t>(cls);
      throw;
    }
  }
  add(cache->allocations, 1);
  add(cache->bytes_in_use, static_cast<int64_t>(cls));
  std::vector<void*>& mine = cache->free_lists[index];
  if (mine.empty()) {  // refill half a cache from the pool
    std::lock_guard<std::mutex> lock(p.mu);
    int64_t n = move_blocks(p.free_lists[index], mine, thread_capacity(cls) / 2);
    p.bytes_cached -= n * static_cast<int64_t>(cls);
    add(cache->bytes_cached, n * static_cast<int64_t>(cls));
    if (n == 0) ++p.system_allocations;
  }
  if (mine.empty()) {
    try {
      return system_allocate(cls);
    } catch (const std::bad_alloc&) {
      add(cache->allocations, -1);
      add(cache->bytes_in_use, -static_cast<int64_t>(cls));
      throw;
    }
  }
  void* ptr = mine.back();
  mine.pop_back();
  add(cache->bytes_cached, -static_cast<int64_t>(cls));
  return ptr;
}

void deallocate(void* ptr, size_t bytes) {
  if (!ptr) return;
  auto [cls, index] = size_class(bytes);
  Pool& p = pool();
  ThreadCache* cache = cls <= kThreadCachedLimit ? thread_cache() : nullptr;
  if (cache == nullptr) {
    std::lock_guard<std::mutex> lock(p.mu);
    p.free_lists[index].push_back(ptr);
    p.bytes_in_use -= static_cast<int64_t>(cls);
    p.bytes_cached += static_cast<int64_t>(cls);
    return;
  }
  add(cache->bytes_in_use, -static_cast<int64_t>(cls));
  add(cache->bytes_cached, static_cast<int64_t>(cls));
  std::vector<void*>& mine = cache->free_lists[index];
  mine.push_back(ptr);
  size_t capacity = thread_capacity(cls);
  if (mine.size() < capacity) return;
  std::lock_guard<std::mutex> lock(p.mu);  // full: hand half to the pool
  int64_t n = move_blocks(mine, p.free_lists[index], capacity / 2);
  add(cache->bytes_cached, -n * static_cast<int64_t>(cls));
  p.bytes_cached += n * static_cast<int64_t>(cls);
}

AllocatorStats stats() {
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  AllocatorStats s{.system_allocations = p.system_allocations,
                   .allocations = p.allocations,
                   .bytes_in_use = p.bytes_in_use,
                   .bytes_cached = p.bytes_cached};
  for (const ThreadCache* c : p.caches) {
    s.allocations += c->allocations.load(std::memory_order_relaxed);
    s.bytes_in_use += c->bytes_in_use.load(std::memory_order_relaxed);
    s.bytes_cached += c->bytes_cached.load(std::memory_order_relaxed);
  }
  return s;
}

void empty_cache() {
  Pool& p = pool();
  ThreadCache* cache = thread_cache();
  std::lock_guard<std::mutex> lock(p.mu);
  if (cache) cache->release_all(p);
  for (std::vector<void*>& list : p.free_lists) {
    for (void* ptr : list) std::free(ptr);
    list.clear();
  }
  p.bytes_cached = 0;
}

}  // namespace tandem::cpu_allocator
