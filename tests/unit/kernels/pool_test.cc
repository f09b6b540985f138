// Max pooling's kernel against a direct reading of its contract (pool.h) on awkward geometries:
// padding on every side, strides that leave cells over, windows larger than the image, channel
// counts that are not multiples of the vector width, ties, NaN, and the int64 argmax. Average
// pooling's float32 paths (oneDNN's primitive, and pool.cc's loops with oneDNN off) against its
// float64 loops on the same geometries.
#include "kernels/cpu/pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/dnnl_pool.h"

namespace tandem::kernels::cpu {
namespace {

struct Case {
  int64_t batch, h, w, c, k, stride, pad;
};

Pool2DGeometry geometry(const Case& k) {
  Pool2DGeometry g{.batch = k.batch,
                   .in_h = k.h,
                   .in_w = k.w,
                   .channels = k.c,
                   .k_h = k.k,
                   .k_w = k.k,
                   .stride_h = k.stride,
                   .stride_w = k.stride,
                   .pad_top = k.pad,
                   .pad_left = k.pad};
  g.out_h = (k.h + 2 * k.pad - k.k) / k.stride + 1;
  g.out_w = (k.w + 2 * k.pad - k.k) / k.stride + 1;
  return g;
}

// The contract, cell by cell: the maximum over the window's cells inside the image, the first in
// row-major window order on ties, a NaN winning; -inf and argmax -1 for an empty window.
void reference(const Pool2DGeometry& g, const std::vector<float>& x, std::vector<float>& y,
               std::vector<int64_t>& arg) {
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t c = 0; c < g.channels; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = -1;
          for (int64_t kh = 0; kh < g.k_h; ++kh)
            for (int64_t kw = 0; kw < g.k_w; ++kw) {
              const int64_t ih = oh * g.stride_h - g.pad_top + kh;
              const int64_t iw = ow * g.stride_w - g.pad_left + kw;
              if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
              const int64_t i = ((n * g.in_h + ih) * g.in_w + iw) * g.channels + c;
              const float v = x[static_cast<size_t>(i)];
              if (at < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                best = v;
                at = i;
              }
            }
          const size_t o =
              static_cast<size_t>(((n * g.out_h + oh) * g.out_w + ow) * g.channels + c);
          y[o] = best;
          arg[o] = at;
        }
}

void check(const Case& k, bool with_nan) {
  const Pool2DGeometry g = geometry(k);
  std::vector<float> x(static_cast<size_t>(g.batch * g.in_h * g.in_w * g.channels));
  // Few distinct values, so windows hold ties.
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 5) - 2.f;
  if (with_nan)
    for (size_t i = 3; i < x.size(); i += 11) x[i] = std::numeric_limits<float>::quiet_NaN();
  const size_t outputs = static_cast<size_t>(g.batch * g.out_h * g.out_w * g.channels);
  std::vector<float> y(outputs, 7.f), want_y(outputs);
  std::vector<int64_t> arg(outputs, 7), want_arg(outputs);
  max_pool2d(ScalarType::kFloat32, g, x.data(), y.data(), arg.data());
  reference(g, x, want_y, want_arg);
  const std::string what = "batch " + std::to_string(k.batch) + " " + std::to_string(k.h) + "x" +
                           std::to_string(k.w) + "x" + std::to_string(k.c) + " window " +
                           std::to_string(k.k) + " stride " + std::to_string(k.stride) + " pad " +
                           std::to_string(k.pad) + (with_nan ? " with NaN" : "");
  // Without an argmax (inference) the maxima are the same.
  std::vector<float> y_only(outputs, 7.f);
  max_pool2d(ScalarType::kFloat32, g, x.data(), y_only.data(), nullptr);
  for (size_t i = 0; i < outputs; ++i) {
    ASSERT_EQ(arg[i], want_arg[i]) << what << " output " << i;
    if (std::isnan(want_y[i])) {
      ASSERT_TRUE(std::isnan(y[i])) << what << " output " << i;
      ASSERT_TRUE(std::isnan(y_only[i])) << what << " output " << i << " (no argmax)";
    } else {
      ASSERT_EQ(y[i], want_y[i]) << what << " output " << i;
      ASSERT_EQ(y_only[i], want_y[i]) << what << " output " << i << " (no argmax)";
    }
  }

  // The backward pass scatters into the argmax cells: each input cell gets the sum of the
  // gradients of the outputs it won.
  std::vector<float> dy(outputs), dx(x.size(), 5.f), want_dx(x.size(), 0.f);
  for (size_t i = 0; i < outputs; ++i) dy[i] = static_cast<float>(i % 13) + 1.f;
  for (size_t i = 0; i < outputs; ++i)
    if (want_arg[i] >= 0) want_dx[static_cast<size_t>(want_arg[i])] += dy[i];
  max_pool2d_backprop(ScalarType::kFloat32, g, dy.data(), arg.data(), dx.data());
  EXPECT_EQ(dx, want_dx) << what;
}

TEST(MaxPool2DKernel, MatchesTheContractOnOddGeometries) {
  const std::vector<Case> cases = {
      {1, 4, 4, 1, 2, 2, 0},     // batch 1, one channel
      {2, 7, 5, 3, 2, 2, 0},     // a row and a column left over
      {3, 6, 6, 17, 3, 2, 1},    // padding on every side, 17 channels
      {2, 5, 5, 9, 3, 1, 1},     // overlapping windows
      {1, 2, 2, 5, 4, 1, 2},     // windows larger than the image
      {2, 28, 28, 32, 2, 2, 0},  // the Fashion-MNIST CNN's first pooling
  };
  for (const Case& k : cases) {
    check(k, false);
    check(k, true);
  }
}

TEST(MaxPool2DKernel, WindowEntirelyInPaddingGivesLowestAndNoArgmax) {
  // A 1x1 window with stride 1 and padding 1: the border outputs see only padding.
  const Pool2DGeometry g{.batch = 1,
                         .in_h = 1,
                         .in_w = 1,
                         .channels = 2,
                         .k_h = 1,
                         .k_w = 1,
                         .out_h = 3,
                         .out_w = 3,
                         .stride_h = 1,
                         .stride_w = 1,
                         .pad_top = 1,
                         .pad_left = 1};
  const std::vector<float> x = {4.f, -3.f};
  std::vector<float> y(18);
  std::vector<int64_t> arg(18);
  max_pool2d(ScalarType::kFloat32, g, x.data(), y.data(), arg.data());
  EXPECT_EQ(y[8], 4.f);  // the centre output, channel 0
  EXPECT_EQ(y[9], -3.f);
  EXPECT_EQ(arg[8], 0);
  EXPECT_EQ(arg[9], 1);
  EXPECT_EQ(y[0], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(arg[0], -1);
  std::vector<float> y_only(18);
  max_pool2d(ScalarType::kFloat32, g, x.data(), y_only.data(), nullptr);
  EXPECT_EQ(y_only, y);
}

void check_average(const Case& k) {
  const Pool2DGeometry g = geometry(k);
  const std::string what = "average, batch " + std::to_string(k.batch) + " " + std::to_string(k.h) +
                           "x" + std::to_string(k.w) + "x" + std::to_string(k.c) + " window " +
                           std::to_string(k.k) + " stride " + std::to_string(k.stride) + " pad " +
                           std::to_string(k.pad);
  const size_t inputs = static_cast<size_t>(g.batch * g.in_h * g.in_w * g.channels);
  const size_t outputs = static_cast<size_t>(g.batch * g.out_h * g.out_w * g.channels);
  std::vector<double> x(inputs), dy(outputs), y(outputs), dx(inputs);
  for (size_t i = 0; i < inputs; ++i) x[i] = static_cast<double>((i * 7919) % 101) / 17.0 - 3;
  for (size_t i = 0; i < outputs; ++i) dy[i] = static_cast<double>((i * 104729) % 37) / 7.0 - 2;
  avg_pool2d(ScalarType::kFloat64, g, x.data(), y.data());
  avg_pool2d_backprop(ScalarType::kFloat64, g, dy.data(), dx.data());
  const std::vector<float> xf(x.begin(), x.end()), dyf(dy.begin(), dy.end());
  for (bool use_dnnl : {true, false}) {
    set_dnnl_pool2d_enabled(use_dnnl);
    std::vector<float> yf(outputs, 9.f), dxf(inputs, 9.f);
    avg_pool2d(ScalarType::kFloat32, g, xf.data(), yf.data());
    avg_pool2d_backprop(ScalarType::kFloat32, g, dyf.data(), dxf.data());
    const std::string path = what + (use_dnnl ? " (oneDNN where it applies)" : " (loops)");
    for (size_t i = 0; i < outputs; ++i) ASSERT_NEAR(yf[i], y[i], 1e-5) << path << " output " << i;
    for (size_t i = 0; i < inputs; ++i)
      ASSERT_NEAR(dxf[i], dx[i], 1e-5) << path << " input gradient " << i;
  }
  set_dnnl_pool2d_enabled(true);
}

TEST(AvgPool2DKernel, Float32MatchesTheFloat64LoopsOnOddGeometries) {
  const std::vector<Case> cases = {
      {1, 4, 4, 1, 2, 2, 0},  {2, 7, 5, 3, 2, 2, 0}, {3, 6, 6, 17, 3, 2, 1},
      {2, 5, 5, 9, 3, 1, 1},  {1, 2, 2, 5, 4, 1, 2}, {2, 28, 28, 32, 2, 2, 0},
      {2, 9, 8, 10, 3, 3, 1},
  };
  for (const Case& k : cases) check_average(k);
}

TEST(AvgPool2DKernel, OneDnnTakesTheCommonGeometries) {
  const Pool2DGeometry common = geometry({2, 28, 28, 32, 2, 2, 0});
#ifdef TANDEM_HAVE_DNNL
  EXPECT_TRUE(use_dnnl_avg_pool2d(common));
  set_dnnl_pool2d_enabled(false);
  EXPECT_FALSE(use_dnnl_avg_pool2d(common));
  set_dnnl_pool2d_enabled(true);
#else
  EXPECT_FALSE(use_dnnl_avg_pool2d(common));
#endif
  // A window that can lie wholly in the padding stays on the loops.
  EXPECT_FALSE(use_dnnl_avg_pool2d(geometry({1, 2, 2, 5, 1, 1, 1})));
}

}  // namespace
}  // namespace tandem::kernels::cpu
