#include "kernels/cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/common/functors.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/dnnl_conv.h"
#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {
namespace {

// Column buffers are built for as many images at a time as fit here: large enough that each GEMM is
// big, small enough that a large batch does not need a gigabyte of columns.
constexpr int64_t kColumnBytes = int64_t{32} << 20;

int64_t patch_size(const Conv2DGeometry& g) { return g.k_h * g.k_w * g.in_c; }
int64_t pixels(const Conv2DGeometry& g) { return g.out_h * g.out_w; }

// A 1x1 window with unit stride and no padding: the input already is the column matrix.
bool is_pointwise(const Conv2DGeometry& g) {
  return g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
}

template <class T>
int64_t images_per_chunk(const Conv2DGeometry& g) {
  int64_t per_image = std::max<int64_t>(1, pixels(g) * patch_size(g) * int64_t{sizeof(T)});
  return std::clamp<int64_t>(kColumnBytes / per_image, 1, std::max<int64_t>(g.batch, 1));
}

// Reused between calls on the same thread, so steady-state training steps do not allocate.
template <class T>
T* scratch(int64_t count) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < count) buffer.resize(static_cast<size_t>(count));
  return buffer.data();
}

// Calls f(kernel_offset, input_offset) for each window cell of output pixel (oh, ow) that lies
// inside the image (offsets in elements, relative to the patch and to the image), and
// f(kernel_offset, -1) for cells in the padding.
template <class F>
void for_each_cell(const Conv2DGeometry& g, int64_t oh, int64_t ow, F&& f) {
  for (int64_t kh = 0; kh < g.k_h; ++kh) {
    const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
    for (int64_t kw = 0; kw < g.k_w; ++kw) {
      const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
      const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
      f((kh * g.k_w + kw) * g.in_c, inside ? (ih * g.in_w + iw) * g.in_c : int64_t{-1});
    }
  }
}

// cols[(n - n0) * pixels + p, :] = the window of output pixel p of image n, zero in the padding.
template <class T>
void im2col(const Conv2DGeometry& g, const T* input, int64_t n0, int64_t n1, T* cols) {
  const int64_t patch = patch_size(g), px = pixels(g), image = g.in_h * g.in_w * g.in_c;
  parallel_for((n1 - n0) * px, patch, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t n = n0 + r / px, p = r % px;
      const T* img = input + n * image;
      T* dst = cols + r * patch;
      for_each_cell(g, p / g.out_w, p % g.out_w, [&](int64_t k, int64_t i) {
        if (i >= 0) {
          std::memcpy(dst + k, img + i, static_cast<size_t>(g.in_c) * sizeof(T));
        } else {
          std::fill(dst + k, dst + k + g.in_c, T(0));
        }
      });
    }
  });
}

// The adjoint of im2col: each column entry is added back to the input cell it came from.
template <class T>
void col2im(const Conv2DGeometry& g, const T* cols, int64_t n0, int64_t n1, T* d_input) {
  const int64_t patch = patch_size(g), px = pixels(g), image = g.in_h * g.in_w * g.in_c;
  // Windows overlap inside an image, so each thread owns whole images.
  parallel_for(n1 - n0, px * patch, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      T* img = d_input + (n0 + i) * image;
      std::fill(img, img + image, T(0));
      for (int64_t p = 0; p < px; ++p) {
        const T* src = cols + (i * px + p) * patch;
        for_each_cell(g, p / g.out_w, p % g.out_w, [&](int64_t k, int64_t at) {
          if (at < 0) return;
          for (int64_t c = 0; c < g.in_c; ++c) img[at + c] += src[k + c];
        });
      }
    }
  });
}

template <class T>
void forward(const Conv2DGeometry& g, const T* input, const T* filters, T* output) {
  const int64_t patch = patch_size(g), px = pixels(g);
  if (patch == 0) {
    std::fill(output, output + g.batch * px * g.out_c, T(0));
    return;
  }
  if (is_pointwise(g)) {
    blas::gemm(false, false, g.batch * px, g.out_c, patch, T(1), input, patch, filters, g.out_c,
               T(0), output, g.out_c);
    return;
  }
  const int64_t chunk = images_per_chunk<T>(g);
  T* cols = scratch<T>(chunk * px * patch);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t n1 = std::min(g.batch, n0 + chunk);
    im2col(g, input, n0, n1, cols);
    blas::gemm(false, false, (n1 - n0) * px, g.out_c, patch, T(1), cols, patch, filters, g.out_c,
               T(0), output + n0 * px * g.out_c, g.out_c);
  }
}

template <class T>
void backprop_input(const Conv2DGeometry& g, const T* filters, const T* d_output, T* d_input) {
  const int64_t patch = patch_size(g), px = pixels(g);
  const int64_t image = g.in_h * g.in_w * g.in_c;
  if (g.out_c == 0 || px == 0) {
    std::fill(d_input, d_input + g.batch * image, T(0));
    return;
  }
  if (is_pointwise(g)) {
    blas::gemm(false, true, g.batch * px, g.in_c, g.out_c, T(1), d_output, g.out_c, filters,
               g.out_c, T(0), d_input, g.in_c);
    return;
  }
  const int64_t chunk = images_per_chunk<T>(g);
  T* cols = scratch<T>(chunk * px * patch);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t n1 = std::min(g.batch, n0 + chunk);
    blas::gemm(false, true, (n1 - n0) * px, patch, g.out_c, T(1), d_output + n0 * px * g.out_c,
               g.out_c, filters, g.out_c, T(0), cols, patch);
    col2im(g, cols, n0, n1, d_input);
  }
}

template <class T>
void backprop_filter(const Conv2DGeometry& g, const T* input, const T* d_output, T* d_filters) {
  const int64_t patch = patch_size(g), px = pixels(g);
  if (g.batch * px == 0 || patch == 0) {
    std::fill(d_filters, d_filters + patch * g.out_c, T(0));
    return;
  }
  if (is_pointwise(g)) {
    blas::gemm(true, false, patch, g.out_c, g.batch * px, T(1), input, patch, d_output, g.out_c,
               T(0), d_filters, g.out_c);
    return;
  }
  const int64_t chunk = images_per_chunk<T>(g);
  T* cols = scratch<T>(chunk * px * patch);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t n1 = std::min(g.batch, n0 + chunk);
    im2col(g, input, n0, n1, cols);
    // The first chunk overwrites d_filters, later ones accumulate into it.
    blas::gemm(true, false, patch, g.out_c, (n1 - n0) * px, T(1), cols, patch,
               d_output + n0 * px * g.out_c, g.out_c, n0 == 0 ? T(0) : T(1), d_filters, g.out_c);
  }
}

// The epilogue on output rows of out_c values, for the paths that write plain sums.
template <class T>
void apply_epilogue(const Conv2DGeometry& g, const Conv2DEpilogue& e, T* output) {
  if (!e.bias && !e.relu) return;
  const T* bias = static_cast<const T*>(e.bias);
  parallel_for(g.batch * pixels(g), g.out_c, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      T* row = output + r * g.out_c;
      if (bias)
        for (int64_t c = 0; c < g.out_c; ++c) row[c] += bias[c];
      if (e.relu)
        for (int64_t c = 0; c < g.out_c; ++c) row[c] = apply_unary<UnaryOp::kRelu, T>(row[c], 0.f);
    }
  });
}

// d_bias[c] = the sum of d_output's channel c over every row (im2col path; oneDNN sums it in the
// filter gradient's pass).
template <class T>
void sum_channels(const Conv2DGeometry& g, const T* d_output, T* d_bias) {
  std::fill(d_bias, d_bias + g.out_c, T(0));
  const int64_t rows = g.batch * pixels(g);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < g.out_c; ++c) d_bias[c] += d_output[r * g.out_c + c];
}

// Runs f with the pointer type of t (float32 or float64).
template <class F>
void visit_blas_type(ScalarType t, F&& f) {
  if (t == ScalarType::kFloat64) {
    f(double{});
  } else {
    f(float{});
  }
}

}  // namespace

void conv2d(ScalarType t, const Conv2DGeometry& g, const void* input, const void* filters,
            void* output, const Conv2DEpilogue& epilogue) {
  if (t == ScalarType::kFloat32 && use_dnnl_conv2d(g, Conv2DPass::kForward) &&
      dnnl_conv2d(g, static_cast<const float*>(input), static_cast<const float*>(filters),
                  static_cast<float*>(output), static_cast<const float*>(epilogue.bias),
                  epilogue.relu))
    return;
  visit_blas_type(t, [&](auto tag) {
    using T = decltype(tag);
    forward(g, static_cast<const T*>(input), static_cast<const T*>(filters),
            static_cast<T*>(output));
    apply_epilogue(g, epilogue, static_cast<T*>(output));
  });
}

void conv2d_backprop_input(ScalarType t, const Conv2DGeometry& g, const void* filters,
                           const void* d_output, void* d_input) {
  if (t == ScalarType::kFloat32 && use_dnnl_conv2d(g, Conv2DPass::kBackpropInput) &&
      dnnl_conv2d_backprop_input(g, static_cast<const float*>(filters),
                                 static_cast<const float*>(d_output), static_cast<float*>(d_input)))
    return;
  visit_blas_type(t, [&](auto tag) {
    using T = decltype(tag);
    backprop_input(g, static_cast<const T*>(filters), static_cast<const T*>(d_output),
                   static_cast<T*>(d_input));
  });
}

void conv2d_backprop_filter(ScalarType t, const Conv2DGeometry& g, const void* input,
                            const void* d_output, void* d_filters, void* d_bias) {
  if (t == ScalarType::kFloat32 && use_dnnl_conv2d(g, Conv2DPass::kBackpropFilter) &&
      dnnl_conv2d_backprop_filter(g, static_cast<const float*>(input),
                                  static_cast<const float*>(d_output),
                                  static_cast<float*>(d_filters), static_cast<float*>(d_bias)))
    return;
  visit_blas_type(t, [&](auto tag) {
    using T = decltype(tag);
    backprop_filter(g, static_cast<const T*>(input), static_cast<const T*>(d_output),
                    static_cast<T*>(d_filters));
    if (d_bias) sum_channels(g, static_cast<const T*>(d_output), static_cast<T*>(d_bias));
  });
}

}  // namespace tandem::kernels::cpu
