#include "kernels/cpu/gather.h"

#include <string>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Offsets of slice (b, o, axis position a) in params and of (b, o, i) in the gathered layout.
int64_t params_row(const GatherGeometry& g, int64_t b, int64_t o, int64_t a) {
  return ((b * g.outer + o) * g.axis_size + a) * g.inner;
}
int64_t gathered_row(const GatherGeometry& g, int64_t b, int64_t o, int64_t i) {
  return ((b * g.outer + o) * g.num_indices + i) * g.inner;
}

template <class T>
void gather_typed(const T* params, const int64_t* indices, T* out, const GatherGeometry& g) {
  int64_t rows = g.batch * g.outer * g.num_indices;
  parallel_for(rows, g.inner, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      int64_t i = r % g.num_indices;
      int64_t bo = r / g.num_indices;
      int64_t b = bo / g.outer, o = bo % g.outer;
      const T* src = params + params_row(g, b, o, indices[b * g.num_indices + i]);
      T* dst = out + r * g.inner;
      for (int64_t k = 0; k < g.inner; ++k) dst[k] = src[k];
    }
  });
}

// Each (b, o) pair owns a disjoint block of params, so blocks run in parallel and the indices of
// one block run in order (deterministic accumulation, last-write-wins for updates).
template <class T, class Combine>
void scatter_typed(const T* updates, const int64_t* indices, T* params, const GatherGeometry& g,
                   Combine combine) {
  int64_t blocks = g.batch * g.outer;
  parallel_for(blocks, g.num_indices * g.inner, [&](int64_t lo, int64_t hi) {
    for (int64_t bo = lo; bo < hi; ++bo) {
      int64_t b = bo / g.outer, o = bo % g.outer;
      for (int64_t i = 0; i < g.num_indices; ++i) {
        T* dst = params + params_row(g, b, o, indices[b * g.num_indices + i]);
        const T* src = updates + gathered_row(g, b, o, i);
        for (int64_t k = 0; k < g.inner; ++k) combine(dst[k], src[k]);
      }
    }
  });
}

template <class F>
void visit_movable(ScalarType t, F&& f) {
  if (t == ScalarType::kString) return f(std::string{});
  // Pure data movement: copy by element width.
  visit_numeric(t, [&](auto tag) {
    switch (sizeof(tag)) {
      case 1:
        return f(uint8_t{});
      case 2:
        return f(uint16_t{});
      case 4:
        return f(uint32_t{});
      default:
        return f(uint64_t{});
    }
  });
}

}  // namespace

void gather(ScalarType t, const void* params, const int64_t* indices, void* out,
            const GatherGeometry& g) {
  visit_movable(t, [&](auto tag) {
    using T = decltype(tag);
    gather_typed(static_cast<const T*>(params), indices, static_cast<T*>(out), g);
  });
}

void scatter_add(ScalarType t, const void* updates, const int64_t* indices, void* params,
                 const GatherGeometry& g) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    scatter_typed(static_cast<const T*>(updates), indices, static_cast<T*>(params), g,
                  [](T& dst, const T& src) {
                    dst = static_cast<T>(static_cast<C>(dst) + static_cast<C>(src));
                  });
  });
}

void scatter_update(ScalarType t, const void* updates, const int64_t* indices, void* params,
                    const GatherGeometry& g) {
  visit_movable(t, [&](auto tag) {
    using T = decltype(tag);
    scatter_typed(static_cast<const T*>(updates), indices, static_cast<T*>(params), g,
                  [](T& dst, const T& src) { dst = src; });
  });
}

}  // namespace tandem::kernels::cpu
