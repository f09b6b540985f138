// float32 convolution (oneDNN's primitives where use_dnnl_conv2d says so, and im2col with oneDNN
// switched off) against the float64 im2col + GEMM path, on awkward geometries: strides that leave
// cells over, SAME padding split unevenly, dilation, batch 1, channel counts that are not multiples
// of the vector width, windows larger than the image.
#include "kernels/cpu/conv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/cpu/dnnl_conv.h"

namespace tandem::kernels::cpu {
namespace {

struct Case {
  int64_t batch, h, w, c, kh, kw, o, stride_h, stride_w, dilation;
  bool same;
};

std::string name(const Case& k) {
  std::string s = "batch ";
  s += std::to_string(k.batch) + " image " + std::to_string(k.h) + "x" + std::to_string(k.w) + "x" +
       std::to_string(k.c) + " kernel " + std::to_string(k.kh) + "x" + std::to_string(k.kw) +
       " -> " + std::to_string(k.o) + " stride " + std::to_string(k.stride_h) + "," +
       std::to_string(k.stride_w) + " dilation " + std::to_string(k.dilation) +
       (k.same ? " SAME" : " VALID");
  return s;
}

// TensorFlow's output size and padding rules.
Conv2DGeometry geometry(const Case& k) {
  Conv2DGeometry g{.batch = k.batch,
                   .in_h = k.h,
                   .in_w = k.w,
                   .in_c = k.c,
                   .k_h = k.kh,
                   .k_w = k.kw,
                   .out_c = k.o,
                   .stride_h = k.stride_h,
                   .stride_w = k.stride_w,
                   .dilation_h = k.dilation,
                   .dilation_w = k.dilation};
  auto axis = [&](int64_t in, int64_t kernel, int64_t stride, int64_t& out, int64_t& pad) {
    const int64_t extent = (kernel - 1) * k.dilation + 1;
    if (k.same) {
      out = (in + stride - 1) / stride;
      pad = std::max<int64_t>(0, (out - 1) * stride + extent - in) / 2;
    } else {
      out = (in - extent) / stride + 1;
      pad = 0;
    }
  };
  axis(k.h, k.kh, k.stride_h, g.out_h, g.pad_top);
  axis(k.w, k.kw, k.stride_w, g.out_w, g.pad_left);
  return g;
}

// Deterministic values in [-1, 1) that differ from cell to cell.
std::vector<double> values(int64_t n, int seed) {
  std::vector<double> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<double>((i * 7919 + static_cast<size_t>(seed) * 104729) % 2003) / 1001.5 - 1;
  return v;
}

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// Each float32 result within float32 rounding of a sum of `terms` products of the reference.
void expect_close(const std::vector<float>& got, const std::vector<double>& want, int64_t terms,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const double tolerance = 1e-6 * static_cast<double>(std::max<int64_t>(terms, 1)) + 1e-6;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tolerance) << what << " at element " << i;
}

void check(const Case& k) {
  const Conv2DGeometry g = geometry(k);
  const std::string what = name(k);
  const int64_t in_size = g.batch * g.in_h * g.in_w * g.in_c;
  const int64_t filter_size = g.k_h * g.k_w * g.in_c * g.out_c;
  const int64_t out_size = g.batch * g.out_h * g.out_w * g.out_c;
  const auto x = values(in_size, 1), w = values(filter_size, 2), dy = values(out_size, 3);
  const auto xf = to_float(x), wf = to_float(w), dyf = to_float(dy);

  std::vector<double> y(out_size), dx(in_size), dw(filter_size);
  conv2d(ScalarType::kFloat64, g, x.data(), w.data(), y.data());
  conv2d_backprop_input(ScalarType::kFloat64, g, w.data(), dy.data(), dx.data());
  conv2d_backprop_filter(ScalarType::kFloat64, g, x.data(), dy.data(), dw.data());

  // Stale values in the outputs must be overwritten, not accumulated into.
  std::vector<float> yf(out_size, 9.f), dxf(in_size, 9.f), dwf(filter_size, 9.f);
  conv2d(ScalarType::kFloat32, g, xf.data(), wf.data(), yf.data());
  conv2d_backprop_input(ScalarType::kFloat32, g, wf.data(), dyf.data(), dxf.data());
  conv2d_backprop_filter(ScalarType::kFloat32, g, xf.data(), dyf.data(), dwf.data());
  expect_close(yf, y, g.k_h * g.k_w * g.in_c, what + " forward");
  expect_close(dxf, dx, g.k_h * g.k_w * g.out_c, what + " backprop_input");
  expect_close(dwf, dw, g.batch * g.out_h * g.out_w, what + " backprop_filter");

  // The same through the oneDNN entry points directly, where they take the pass.
  std::fill(yf.begin(), yf.end(), 9.f);
  std::fill(dxf.begin(), dxf.end(), 9.f);
  std::fill(dwf.begin(), dwf.end(), 9.f);
  if (use_dnnl_conv2d(g, Conv2DPass::kForward)) {
    ASSERT_TRUE(dnnl_conv2d(g, xf.data(), wf.data(), yf.data())) << what;
    expect_close(yf, y, g.k_h * g.k_w * g.in_c, what + " oneDNN forward");
  }
  if (use_dnnl_conv2d(g, Conv2DPass::kBackpropInput)) {
    ASSERT_TRUE(dnnl_conv2d_backprop_input(g, wf.data(), dyf.data(), dxf.data())) << what;
    expect_close(dxf, dx, g.k_h * g.k_w * g.out_c, what + " oneDNN backprop_input");
  }
  if (use_dnnl_conv2d(g, Conv2DPass::kBackpropFilter)) {
    ASSERT_TRUE(dnnl_conv2d_backprop_filter(g, xf.data(), dyf.data(), dwf.data())) << what;
    expect_close(dwf, dw, g.batch * g.out_h * g.out_w, what + " oneDNN backprop_filter");
  }

  // And through im2col with oneDNN switched off: both float32 paths stay right.
  set_dnnl_conv2d_enabled(false);
  std::vector<float> yi(out_size, 9.f), dxi(in_size, 9.f), dwi(filter_size, 9.f);
  conv2d(ScalarType::kFloat32, g, xf.data(), wf.data(), yi.data());
  conv2d_backprop_input(ScalarType::kFloat32, g, wf.data(), dyf.data(), dxi.data());
  conv2d_backprop_filter(ScalarType::kFloat32, g, xf.data(), dyf.data(), dwi.data());
  set_dnnl_conv2d_enabled(true);
  expect_close(yi, y, g.k_h * g.k_w * g.in_c, what + " im2col forward");
  expect_close(dxi, dx, g.k_h * g.k_w * g.out_c, what + " im2col backprop_input");
  expect_close(dwi, dw, g.batch * g.out_h * g.out_w, what + " im2col backprop_filter");
}

TEST(Conv2DKernel, Float32MatchesTheFloat64ReferenceOnOddGeometries) {
  const std::vector<Case> cases = {
      {1, 5, 7, 3, 3, 3, 5, 1, 1, 1, true},      // batch 1, SAME
      {2, 9, 8, 1, 3, 2, 7, 2, 2, 1, false},     // one input channel, stride leaves a row over
      {3, 10, 10, 10, 3, 3, 11, 2, 2, 1, true},  // SAME split unevenly (more after than before)
      {2, 11, 9, 9, 3, 3, 4, 1, 1, 2, true},     // dilation 2
      {2, 12, 13, 3, 3, 3, 6, 1, 2, 3, false},   // dilation 3, different strides per axis
      {1, 9, 7, 12, 2, 3, 5, 3, 2, 1, false},    // batch 1, even window, strides 3 and 2
      {2, 6, 6, 9, 1, 1, 10, 1, 1, 1, false},    // pointwise
      {2, 7, 7, 9, 1, 1, 10, 2, 2, 1, true},     // strided 1x1
      {2, 2, 3, 3, 5, 5, 4, 1, 1, 1, true},      // window larger than the image
      {1, 1, 1, 17, 1, 1, 33, 1, 1, 1, false},   // a single pixel
      {4, 14, 14, 32, 3, 3, 64, 1, 1, 1, true},  // the Fashion-MNIST CNN's second layer
  };
  for (const Case& k : cases) check(k);
}

// The epilogue (bias, relu) and the bias gradient on the oneDNN path (post-ops, diff_bias) and on
// the im2col path, against the plain float64 convolution with the bias and ReLU applied by hand.
TEST(Conv2DKernel, EpilogueAndBiasGradientOnBothPaths) {
  const std::vector<Case> cases = {
      {4, 14, 14, 32, 3, 3, 64, 1, 1, 1, true},  // the Fashion-MNIST CNN's second layer
      {2, 9, 9, 1, 3, 3, 8, 1, 1, 1, true},      // one input channel
      {2, 7, 6, 5, 2, 3, 3, 2, 1, 1, false},     // strided, channels off the vector width
  };
  for (const Case& k : cases) {
    const Conv2DGeometry g = geometry(k);
    const int64_t rows = g.batch * g.out_h * g.out_w, out_size = rows * g.out_c;
    const auto x = values(g.batch * g.in_h * g.in_w * g.in_c, 1);
    const auto w = values(g.k_h * g.k_w * g.in_c * g.out_c, 2);
    const auto b = values(g.out_c, 4), dy = values(out_size, 3);
    std::vector<double> plain(out_size), dw(w.size());
    conv2d(ScalarType::kFloat64, g, x.data(), w.data(), plain.data());
    conv2d_backprop_filter(ScalarType::kFloat64, g, x.data(), dy.data(), dw.data());
    std::vector<double> db(static_cast<size_t>(g.out_c), 0.0);
    for (int64_t i = 0; i < out_size; ++i) db[i % g.out_c] += dy[i];
    const auto xf = to_float(x), wf = to_float(w), bf = to_float(b), dyf = to_float(dy);
    for (bool dnnl : {true, false}) {
      set_dnnl_conv2d_enabled(dnnl);
      for (bool bias : {true, false}) {
        for (bool relu : {true, false}) {
          const std::string what = name(k) + (dnnl ? " oneDNN" : " im2col") +
                                   (bias ? " bias" : "") + (relu ? " relu" : "");
          std::vector<double> want = plain;
          for (int64_t i = 0; i < out_size; ++i) {
            if (bias) want[i] += b[i % g.out_c];
            if (relu) want[i] = std::max(want[i], 0.0);
          }
          std::vector<float> yf(out_size, 9.f);
          conv2d(ScalarType::kFloat32, g, xf.data(), wf.data(), yf.data(),
                 {.bias = bias ? bf.data() : nullptr, .relu = relu});
          expect_close(yf, want, g.k_h * g.k_w * g.in_c + 1, what + " forward");
          if (dnnl && use_dnnl_conv2d(g, Conv2DPass::kForward)) {
            // The primitive itself takes the post-ops (no silent fallback to im2col).
            std::fill(yf.begin(), yf.end(), 9.f);
            ASSERT_TRUE(
                dnnl_conv2d(g, xf.data(), wf.data(), yf.data(), bias ? bf.data() : nullptr, relu))
                << what;
            expect_close(yf, want, g.k_h * g.k_w * g.in_c + 1, what + " dnnl_conv2d");
          }
        }
      }
      std::vector<float> dwf(w.size(), 9.f), dbf(db.size(), 9.f);
      conv2d_backprop_filter(ScalarType::kFloat32, g, xf.data(), dyf.data(), dwf.data(),
                             dbf.data());
      const std::string what = name(k) + (dnnl ? " oneDNN" : " im2col");
      expect_close(dwf, dw, rows, what + " backprop_filter with bias");
      expect_close(dbf, db, rows, what + " bias gradient");
      if (dnnl && use_dnnl_conv2d(g, Conv2DPass::kBackpropFilter)) {
        std::fill(dbf.begin(), dbf.end(), 9.f);
        ASSERT_TRUE(dnnl_conv2d_backprop_filter(g, xf.data(), dyf.data(), dwf.data(), dbf.data()))
            << what;
        expect_close(dbf, db, rows, what + " dnnl diff_bias");
      }
    }
    set_dnnl_conv2d_enabled(true);
  }
}

TEST(Conv2DKernel, OneDnnTakesTheCommonGeometries) {
  const Conv2DGeometry second = geometry({4, 14, 14, 32, 3, 3, 64, 1, 1, 1, true});
  const Conv2DGeometry first = geometry({4, 28, 28, 1, 3, 3, 32, 1, 1, 1, true});
#ifdef TANDEM_HAVE_DNNL
  // A regression to im2col everywhere would pass the numeric test above; this catches it.
  EXPECT_TRUE(use_dnnl_conv2d(second, Conv2DPass::kForward));
  EXPECT_TRUE(use_dnnl_conv2d(second, Conv2DPass::kBackpropInput));
  EXPECT_TRUE(use_dnnl_conv2d(second, Conv2DPass::kBackpropFilter));
  EXPECT_TRUE(use_dnnl_conv2d(first, Conv2DPass::kForward));
  EXPECT_FALSE(use_dnnl_conv2d(first, Conv2DPass::kBackpropInput));  // measured slower
  set_dnnl_conv2d_enabled(false);
  EXPECT_FALSE(use_dnnl_conv2d(second, Conv2DPass::kForward));
  set_dnnl_conv2d_enabled(true);
#else
  EXPECT_FALSE(use_dnnl_conv2d(second, Conv2DPass::kForward));
#endif
  EXPECT_FALSE(use_dnnl_conv2d(first, Conv2DPass::kBackpropInput));
}

TEST(Conv2DKernel, EmptyDimensionsFallBackToIm2col) {
  Case k{0, 5, 5, 3, 3, 3, 4, 1, 1, 1, true};
  EXPECT_FALSE(use_dnnl_conv2d(geometry(k), Conv2DPass::kBackpropFilter));
  std::vector<float> w(3 * 3 * 3 * 4, 1.f), dw(w.size(), 9.f);
  conv2d_backprop_filter(ScalarType::kFloat32, geometry(k), nullptr, nullptr, dw.data());
  EXPECT_EQ(dw, std::vector<float>(w.size(), 0.f));  // the empty sum
}

}  // namespace
}  // namespace tandem::kernels::cpu
