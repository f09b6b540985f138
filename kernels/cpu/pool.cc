#include "kernels/cpu/pool.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "kernels/cpu/dnnl_pool.h"
#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// The window of output (oh, ow), clipped to the input: rows [h0, h1), columns [w0, w1).
struct Window {
  int64_t h0, h1, w0, w1;
  int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

Window window_at(const Pool2DGeometry& g, int64_t oh, int64_t ow) {
  const int64_t h = oh * g.stride_h - g.pad_top, w = ow * g.stride_w - g.pad_left;
  return {std::max<int64_t>(h, 0), std::min(h + g.k_h, g.in_h), std::max<int64_t>(w, 0),
          std::min(w + g.k_w, g.in_w)};
}

template <class C>
bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return v != v;
  } else {
    return false;
  }
}

int64_t image_size(const Pool2DGeometry& g) { return g.in_h * g.in_w * g.channels; }
int64_t output_image_size(const Pool2DGeometry& g) { return g.out_h * g.out_w * g.channels; }

// A per-thread buffer of at least n values, reused between calls so steady-state steps do not
// allocate; Tag tells apart two buffers of the same type.
template <class V, class Tag>
V* scratch(int64_t n) {
  thread_local std::unique_ptr<V[]> buffer;
  thread_local int64_t capacity = 0;
  if (capacity < n) {
    buffer = std::make_unique<V[]>(static_cast<size_t>(n));
    capacity = n;
  }
  return buffer.get();
}

// Per channel the loop keeps the best value and the spatial position (ih * in_w + iw) it came
// from, in a type as wide as the value, so the channel loop vectorises (a 64-bit flat index next to
// a 32-bit float kept GCC from vectorising it: max pooling was 15% of a CNN training step). The
// flat int64 index is formed once per output. Without kArgmax (inference: no gradient will ask
// for it) only the maxima are kept and written.
template <class T, class Pos, bool kArgmax>
void max_forward(const Pool2DGeometry& g, const T* input, T* output, int64_t* argmax) {
  using C = compute_t<T>;
  const C lowest = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                        : std::numeric_limits<C>::lowest();
  const int64_t rows = g.batch * g.out_h * g.out_w;
  parallel_for(rows, g.k_h * g.k_w * g.channels, [&](int64_t lo, int64_t hi) {
    C* b = scratch<C, struct Best>(g.channels);
    Pos* at = kArgmax ? scratch<Pos, struct Position>(g.channels) : nullptr;
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t n = r / (g.out_h * g.out_w), p = r % (g.out_h * g.out_w);
      const Window win = window_at(g, p / g.out_w, p % g.out_w);
      const T* image = input + n * image_size(g);
      T* out = output + r * g.channels;
      if (win.h1 <= win.h0 || win.w1 <= win.w0) {  // a window entirely in the padding
        std::fill(out, out + g.channels, static_cast<T>(lowest));
        if constexpr (kArgmax)
          std::fill(argmax + r * g.channels, argmax + (r + 1) * g.channels, -1);
        continue;
      }
      // The window's first cell seeds the maxima.
      const Pos seed = static_cast<Pos>(win.h0 * g.in_w + win.w0);
      const T* first = image + static_cast<int64_t>(seed) * g.channels;
      for (int64_t c = 0; c < g.channels; ++c) {
        b[c] = C(first[c]);
        if constexpr (kArgmax) at[c] = seed;
      }
      for (int64_t ih = win.h0; ih < win.h1; ++ih) {
        for (int64_t iw = ih == win.h0 ? win.w0 + 1 : win.w0; iw < win.w1; ++iw) {
          const Pos here = static_cast<Pos>(ih * g.in_w + iw);
          const T* cell = image + static_cast<int64_t>(here) * g.channels;
          // Branch-free (bitwise, not short-circuit, operators) and declared independent across
          // channels, or GCC keeps it scalar. A NaN wins, so it propagates as in TensorFlow; the
          // first maximum wins ties.
#pragma omp simd
          for (int64_t c = 0; c < g.channels; ++c) {
            const C v = C(cell[c]), current = b[c];
            const bool take = (v > current) | (is_nan(v) & !is_nan(current));
            b[c] = take ? v : current;
            if constexpr (kArgmax) at[c] = take ? here : at[c];
          }
        }
      }
      for (int64_t c = 0; c < g.channels; ++c) out[c] = static_cast<T>(b[c]);
      if constexpr (kArgmax) {
        const int64_t base = n * image_size(g);
        int64_t* arg = argmax + r * g.channels;
        for (int64_t c = 0; c < g.channels; ++c)
          arg[c] = base + static_cast<int64_t>(at[c]) * g.channels + c;
      }
    }
  });
}

template <class T>
void max_backward(const Pool2DGeometry& g, const T* d_output, const int64_t* argmax, T* d_input) {
  using C = compute_t<T>;
  // Each output's maximum lies in its own image, so each thread owns whole images.
  parallel_for(g.batch, output_image_size(g), [&](int64_t lo, int64_t hi) {
    for (int64_t n = lo; n < hi; ++n) {
      T* img = d_input + n * image_size(g);
      std::fill(img, img + image_size(g), T(0));
      for (int64_t i = n * output_image_size(g); i < (n + 1) * output_image_size(g); ++i) {
        if (argmax[i] < 0) continue;
        d_input[argmax[i]] = static_cast<T>(C(d_input[argmax[i]]) + C(d_output[i]));
      }
    }
  });
}

template <class T>
void avg_forward(const Pool2DGeometry& g, const T* input, T* output) {
  using C = compute_t<T>;
  const int64_t rows = g.batch * g.out_h * g.out_w;
  parallel_for(rows, g.k_h * g.k_w * g.channels, [&](int64_t lo, int64_t hi) {
    std::vector<C> sum(static_cast<size_t>(g.channels));
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t n = r / (g.out_h * g.out_w), p = r % (g.out_h * g.out_w);
      const Window win = window_at(g, p / g.out_w, p % g.out_w);
      std::fill(sum.begin(), sum.end(), C(0));
      for (int64_t ih = win.h0; ih < win.h1; ++ih) {
        for (int64_t iw = win.w0; iw < win.w1; ++iw) {
          const T* cell = input + n * image_size(g) + (ih * g.in_w + iw) * g.channels;
          for (int64_t c = 0; c < g.channels; ++c) sum[c] += C(cell[c]);
        }
      }
      const C count = static_cast<C>(std::max<int64_t>(win.count(), 1));
      for (int64_t c = 0; c < g.channels; ++c)
        output[r * g.channels + c] = static_cast<T>(sum[c] / count);
    }
  });
}

template <class T>
void avg_backward(const Pool2DGeometry& g, const T* d_output, T* d_input) {
  using C = compute_t<T>;
  parallel_for(g.batch, output_image_size(g) * g.k_h * g.k_w, [&](int64_t lo, int64_t hi) {
    std::vector<C> acc(static_cast<size_t>(image_size(g)));
    for (int64_t n = lo; n < hi; ++n) {
      std::fill(acc.begin(), acc.end(), C(0));
      for (int64_t p = 0; p < g.out_h * g.out_w; ++p) {
        const Window win = window_at(g, p / g.out_w, p % g.out_w);
        const C count = static_cast<C>(std::max<int64_t>(win.count(), 1));
        const T* dy = d_output + (n * g.out_h * g.out_w + p) * g.channels;
        for (int64_t ih = win.h0; ih < win.h1; ++ih) {
          for (int64_t iw = win.w0; iw < win.w1; ++iw) {
            C* cell = acc.data() + (ih * g.in_w + iw) * g.channels;
            for (int64_t c = 0; c < g.channels; ++c) cell[c] += C(dy[c]) / count;
          }
        }
      }
      T* img = d_input + n * image_size(g);
      for (int64_t i = 0; i < image_size(g); ++i) img[i] = static_cast<T>(acc[i]);
    }
  });
}

}  // namespace

void max_pool2d(ScalarType t, const Pool2DGeometry& g, const void* input, void* output,
                int64_t* argmax) {
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    // A position type as wide as the compute type where the image's cells fit in it.
    using Narrow = std::conditional_t<sizeof(C) >= 8, int64_t, int32_t>;
    const T* x = static_cast<const T*>(input);
    T* y = static_cast<T*>(output);
    if (argmax == nullptr) {
      max_forward<T, int64_t, false>(g, x, y, nullptr);
    } else if (g.in_h * g.in_w <= std::numeric_limits<int32_t>::max()) {
      max_forward<T, Narrow, true>(g, x, y, argmax);
    } else {
      max_forward<T, int64_t, true>(g, x, y, argmax);
    }
  });
}

void max_pool2d_backprop(ScalarType t, const Pool2DGeometry& g, const void* d_output,
                         const int64_t* argmax, void* d_input) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    max_backward(g, static_cast<const T*>(d_output), argmax, static_cast<T*>(d_input));
  });
}

void gather_argmax(ScalarType t, int64_t n, const void* x, const int64_t* argmax, void* out) {
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    const T* in = static_cast<const T*>(x);
    T* o = static_cast<T*>(out);
    parallel_for(n, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) o[i] = argmax[i] < 0 ? T(0) : in[argmax[i]];
    });
  });
}

void avg_pool2d(ScalarType t, const Pool2DGeometry& g, const void* input, void* output) {
  if (t == ScalarType::kFloat32 && use_dnnl_avg_pool2d(g) &&
      dnnl_avg_pool2d(g, static_cast<const float*>(input), static_cast<float*>(output)))
    return;
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    avg_forward(g, static_cast<const T*>(input), static_cast<T*>(output));
  });
}

void avg_pool2d_backprop(ScalarType t, const Pool2DGeometry& g, const void* d_output,
                         void* d_input) {
  if (t == ScalarType::kFloat32 && use_dnnl_avg_pool2d(g) &&
      dnnl_avg_pool2d_backprop(g, static_cast<const float*>(d_output),
                               static_cast<float*>(d_input)))
    return;
  visit_float(t, [&](auto tag) {
    using T = decltype(tag);
    avg_backward(g, static_cast<const T*>(d_output), static_cast<T*>(d_input));
  });
}

}  // namespace tandem::kernels::cpu
