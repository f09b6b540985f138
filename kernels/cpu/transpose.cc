#include "kernels/cpu/transpose.h"

#include <cstring>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

template <class T>
void transpose_typed(const T* in, T* out, const int64_t* in_shape, const int* perm, int ndim) {
  std::vector<int64_t> in_strides(ndim), out_shape(ndim), src_stride(ndim);
  int64_t acc = 1, n = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    in_strides[d] = acc;
    acc *= in_shape[d];
  }
  for (int d = 0; d < ndim; ++d) {
    out_shape[d] = in_shape[perm[d]];
    src_stride[d] = in_strides[perm[d]];
    n *= out_shape[d];
  }
  parallel_for(n, 2, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> idx(ndim);
    int64_t rem = lo, src = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      idx[d] = rem % out_shape[d];
      rem /= out_shape[d];
      src += idx[d] * src_stride[d];
    }
    for (int64_t i = lo; i < hi; ++i) {
      out[i] = in[src];
      for (int d = ndim - 1; d >= 0; --d) {
        ++idx[d];
        src += src_stride[d];
        if (idx[d] < out_shape[d]) break;
        src -= idx[d] * src_stride[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void transpose(const void* in, void* out, const int64_t* in_shape, const int* perm, int ndim,
               size_t elem_size) {
  switch (elem_size) {
    case 1:
      return transpose_typed(static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out), in_shape,
                             perm, ndim);
    case 2:
      return transpose_typed(static_cast<const uint16_t*>(in), static_cast<uint16_t*>(out),
                             in_shape, perm, ndim);
    case 4:
      return transpose_typed(static_cast<const uint32_t*>(in), static_cast<uint32_t*>(out),
                             in_shape, perm, ndim);
    case 8:
      return transpose_typed(static_cast<const uint64_t*>(in), static_cast<uint64_t*>(out),
                             in_shape, perm, ndim);
    default: {
      // Wider elements: move bytes (not used for strings, which ops copy element-wise).
      int64_t n = 1;
      for (int d = 0; d < ndim; ++d) n *= in_shape[d];
      std::vector<int64_t> index(static_cast<size_t>(n));
      std::vector<int64_t> src(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) index[i] = i;
      transpose_typed(index.data(), src.data(), in_shape, perm, ndim);
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(static_cast<char*>(out) + i * elem_size,
                    static_cast<const char*>(in) + src[i] * elem_size, elem_size);
    }
  }
}

}  // namespace tandem::kernels::cpu
