#include "kernels/cpu/index_map.h"

#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Source element offsets per dimension (map entry times the input stride), -1 kept as -1.
std::vector<std::vector<int64_t>> offset_maps(const int64_t* in_shape, const int64_t* out_shape,
                                              int ndim, const int64_t* const* maps) {
  std::vector<std::vector<int64_t>> offsets(ndim);
  int64_t stride = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    offsets[d].resize(static_cast<size_t>(out_shape[d]));
    for (int64_t j = 0; j < out_shape[d]; ++j) {
      offsets[d][j] = maps[d][j] < 0 ? -1 : maps[d][j] * stride;
    }
    stride *= in_shape[d];
  }
  return offsets;
}

// Walks the output one row (last dimension) at a time, giving each row's source base offset, or -1
// when a leading map entry is outside the input.
template <class RowFn>
void for_each_row(const int64_t* out_shape, int ndim, const std::vector<std::vector<int64_t>>& off,
                  bool parallel, RowFn&& row_fn) {
  int64_t last = out_shape[ndim - 1];
  int64_t rows = 1;
  for (int d = 0; d < ndim - 1; ++d) rows *= out_shape[d];
  if (rows == 0 || last == 0) return;
  auto body = [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> idx(static_cast<size_t>(ndim), 0);
    int64_t rem = lo;
    for (int d = ndim - 2; d >= 0; --d) {
      idx[d] = rem % out_shape[d];
      rem /= out_shape[d];
    }
    for (int64_t r = lo; r < hi; ++r) {
      int64_t base = 0;
      for (int d = 0; d < ndim - 1 && base >= 0; ++d) {
        int64_t o = off[d][idx[d]];
        base = o < 0 ? -1 : base + o;
      }
      row_fn(r, base);
      for (int d = ndim - 2; d >= 0; --d) {
        if (++idx[d] < out_shape[d]) break;
        idx[d] = 0;
      }
    }
  };
  if (parallel) {
    parallel_for(rows, last, body);
  } else {
    body(0, rows);
  }
}

template <class T>
void gather_typed(const T* in, const int64_t* in_shape, T* out, const int64_t* out_shape, int ndim,
                  const int64_t* const* maps, const T* fill) {
  if (ndim == 0) {
    out[0] = in[0];
    return;
  }
  auto off = offset_maps(in_shape, out_shape, ndim, maps);
  const std::vector<int64_t>& last_map = off[ndim - 1];
  int64_t last = out_shape[ndim - 1];
  for_each_row(out_shape, ndim, off, /*parallel=*/true, [&](int64_t r, int64_t base) {
    T* row = out + r * last;
    if (base < 0) {
      for (int64_t j = 0; j < last; ++j) row[j] = *fill;
      return;
    }
    for (int64_t j = 0; j < last; ++j) {
      int64_t o = last_map[j];
      row[j] = o < 0 ? *fill : in[base + o];
    }
  });
}

template <class T>
void scatter_add_typed(const T* out, const int64_t* out_shape, T* in, const int64_t* in_shape,
                       int ndim, const int64_t* const* maps) {
  using C = compute_t<T>;
  if (ndim == 0) {
    in[0] = static_cast<T>(static_cast<C>(in[0]) + static_cast<C>(out[0]));
    return;
  }
  auto off = offset_maps(in_shape, out_shape, ndim, maps);
  const std::vector<int64_t>& last_map = off[ndim - 1];
  int64_t last = out_shape[ndim - 1];
  // Serial: mirror padding maps several outputs onto one input, so rows may collide.
  for_each_row(out_shape, ndim, off, /*parallel=*/false, [&](int64_t r, int64_t base) {
    if (base < 0) return;
    const T* row = out + r * last;
    for (int64_t j = 0; j < last; ++j) {
      int64_t o = last_map[j];
      if (o >= 0)
        in[base + o] = static_cast<T>(static_cast<C>(in[base + o]) + static_cast<C>(row[j]));
    }
  });
}

template <class T>
void gather_as(const void* in, const int64_t* in_shape, void* out, const int64_t* out_shape,
               int ndim, const int64_t* const* maps, const void* fill) {
  gather_typed(static_cast<const T*>(in), in_shape, static_cast<T*>(out), out_shape, ndim, maps,
               static_cast<const T*>(fill));
}

}  // namespace

void gather_by_maps(ScalarType t, const void* in, const int64_t* in_shape, void* out,
                    const int64_t* out_shape, int ndim, const int64_t* const* maps,
                    const void* fill) {
  if (t == ScalarType::kString) {
    return gather_as<std::string>(in, in_shape, out, out_shape, ndim, maps, fill);
  }
  // Data movement only: copy by element width.
  visit_numeric(t, [&](auto tag) {
    switch (sizeof(tag)) {
      case 1:
        return gather_as<uint8_t>(in, in_shape, out, out_shape, ndim, maps, fill);
      case 2:
        return gather_as<uint16_t>(in, in_shape, out, out_shape, ndim, maps, fill);
      case 4:
        return gather_as<uint32_t>(in, in_shape, out, out_shape, ndim, maps, fill);
      default:
        return gather_as<uint64_t>(in, in_shape, out, out_shape, ndim, maps, fill);
    }
  });
}

void scatter_add_by_maps(ScalarType t, const void* out, const int64_t* out_shape, void* in,
                         const int64_t* in_shape, int ndim, const int64_t* const* maps) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    scatter_add_typed(static_cast<const T*>(out), out_shape, static_cast<T*>(in), in_shape, ndim,
                      maps);
  });
}

}  // namespace tandem::kernels::cpu
