// The oneDNN primitives made so far, one per geometry and thread count. Creating a primitive
// JIT-compiles code (milliseconds, far more than a training step's convolution of a small layer),
// so each is made once. The thread count is part of the key because a primitive splits its work
// for the OpenMP team size it was created under: one created at 1 thread and run after
// set_intra_op_parallelism_threads(2) runs on one core (measured: a CNN step at 2 threads 1.5x
// slower than with primitives made for 2). Only for builds with oneDNN (TANDEM_HAVE_DNNL).
#pragma once

#include <omp.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "kernels/cpu/dnnl_engine.h"

namespace tandem::kernels::cpu {

template <size_t N, class Entry>
class PrimitiveCache {
 public:
  using Geometry = std::array<int64_t, N>;

  // Bounded: a program that keeps changing shapes (a growing batch, variable-size images)
  // restarts the cache instead of growing it.
  static constexpr size_t kMaxCached = 256;

  // The engine first, so that it is destroyed after the cached primitives made on it.
  PrimitiveCache() { engine(); }

  // The entry for `geometry` at the current thread count, made by `make()` the first time;
  // nullptr where oneDNN refused it (make threw dnnl::error), remembered so it is asked once.
  template <class Make>
  std::shared_ptr<const Entry> get(const Geometry& geometry, Make&& make) {
    const Key key{geometry, omp_get_max_threads()};
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    std::shared_ptr<const Entry> entry;
    try {
      entry = std::make_shared<const Entry>(make());
    } catch (const dnnl::error&) {
      entry = nullptr;  // unsupported here: the caller's own loops run it
    }
    if (entries_.size() >= kMaxCached) entries_.clear();
    entries_.emplace(key, entry);
    return entry;
  }

 private:
  struct Key {
    Geometry geometry;
    int threads;
    bool operator<(const Key& o) const {
      return threads != o.threads ? threads < o.threads : geometry < o.geometry;
    }
  };
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<const Entry>> entries_;
};

}  // namespace tandem::kernels::cpu
