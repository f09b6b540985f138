#include "tandem/ops/conv.h"

#include <gtest/gtest.h>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::check_gradients;
using testing::expect_error;
using testing::expect_values;

Tensor sample(const Shape& shape, double phase = 0.0, DType dtype = float64) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.7 * static_cast<double>(i) + phase);
  return cast(Tensor::from_vector(v, shape), dtype);
}

Tensor iota(const Shape& shape, DType dtype = float64) {
  std::vector<double> v(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i + 1);
  return cast(Tensor::from_vector(v, shape), dtype);
}

// Direct evaluation of the convolution sum, with TensorFlow's SAME padding split.
struct Reference {
  int64_t n, h, w, c, kh, kw, o, sh, sw, dh, dw, oh, ow, pt, pl;
  Reference(const Shape& in, const Shape& f, int64_t stride_h, int64_t stride_w, int64_t dil_h,
            int64_t dil_w, bool same)
      : n(in[0]),
        h(in[1]),
        w(in[2]),
        c(in[3]),
        kh(f[0]),
        kw(f[1]),
        o(f[3]),
        sh(stride_h),
        sw(stride_w),
        dh(dil_h),
        dw(dil_w) {
    int64_t eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
    oh = same ? (h + sh - 1) / sh : (h - eh) / sh + 1;
    ow = same ? (w + sw - 1) / sw : (w - ew) / sw + 1;
    pt = same ? std::max<int64_t>((oh - 1) * sh + eh - h, 0) / 2 : 0;
    pl = same ? std::max<int64_t>((ow - 1) * sw + ew - w, 0) / 2 : 0;
  }
  // Calls f(input index, filter index, output index) for every multiply-add of the convolution.
  template <class F>
  void each(F&& f) const {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t x = 0; x < ow; ++x)
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              int64_t iy = y * sh - pt + i * dh, ix = x * sw - pl + j * dw;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (int64_t ci = 0; ci < c; ++ci)
                for (int64_t co = 0; co < o; ++co)
                  f(((b * h + iy) * w + ix) * c + ci, ((i * kw + j) * c + ci) * o + co,
                    ((b * oh + y) * ow + x) * o + co);
            }
  }
};

void expect_matches_reference(const Shape& in, const Shape& f, Conv2DOpOptions o, int64_t sh,
                              int64_t sw, int64_t dh, int64_t dw) {
  Tensor x = sample(in), k = sample(f, 1.0);
  Reference r(in, f, sh, sw, dh, dw, o.padding == "SAME");
  std::vector<double> xv = x.to_vector<double>(), kv = k.to_vector<double>();
  std::vector<double> expected(static_cast<size_t>(r.n * r.oh * r.ow * r.o), 0.0);
  r.each([&](int64_t xi, int64_t ki, int64_t yi) { expected[yi] += xv[xi] * kv[ki]; });
  Tensor y = conv2d(x, k, o);
  ASSERT_EQ(y.shape(), Shape({r.n, r.oh, r.ow, r.o}));
  expect_values(y, expected, 1e-12);
}

TEST(Conv2D, ValidHandComputed) {
  Tensor x = iota({1, 3, 3, 1});
  Tensor k = constant({1.0, 0.0, 0.0, 1.0}, float64);
  Tensor y = conv2d(x, reshape(k, {2, 2, 1, 1}));
  EXPECT_EQ(y.shape(), Shape({1, 2, 2, 1}));
  expect_values(y, {6, 8, 12, 14});
}

TEST(Conv2D, SameHandComputed) {
  Tensor y = conv2d(iota({1, 3, 3, 1}), ones({3, 3, 1, 1}, float64), {.padding = "SAME"});
  EXPECT_EQ(y.shape(), Shape({1, 3, 3, 1}));
  expect_values(y, {12, 21, 16, 27, 45, 33, 24, 39, 28});
}

TEST(Conv2D, SameStrideTwoPadsAfterLikeTensorFlow) {
  // Output 2x2 needs one padding row/column: TensorFlow puts it after the input.
  Tensor y =
      conv2d(iota({1, 4, 4, 1}), ones({3, 3, 1, 1}, float64), {.strides = 2, .padding = "SAME"});
  EXPECT_EQ(y.shape(), Shape({1, 2, 2, 1}));
  expect_values(y, {54, 45, 72, 54});
}

TEST(Conv2D, MatchesDirectSumAcrossOptions) {
  expect_matches_reference({2, 5, 6, 3}, {3, 2, 3, 4}, {}, 1, 1, 1, 1);
  expect_matches_reference({2, 5, 6, 3}, {3, 2, 3, 4}, {.padding = "SAME"}, 1, 1, 1, 1);
  expect_matches_reference({2, 7, 6, 2}, {3, 3, 2, 2}, {.strides = {2, 3}, .padding = "SAME"}, 2, 3,
                           1, 1);
  expect_matches_reference({1, 7, 7, 2}, {2, 3, 2, 3}, {.strides = {1, 2, 2, 1}}, 2, 2, 1, 1);
  expect_matches_reference({2, 7, 8, 2}, {2, 2, 2, 3}, {.dilations = {2, 3}}, 1, 1, 2, 3);
  expect_matches_reference({2, 7, 8, 2}, {3, 2, 2, 3}, {.padding = "SAME", .dilations = 2}, 1, 1, 2,
                           2);
  expect_matches_reference({3, 4, 5, 6}, {1, 1, 6, 2}, {}, 1, 1, 1, 1);  // pointwise
  expect_matches_reference({3, 4, 5, 6}, {1, 1, 6, 2}, {.strides = 2}, 2, 2, 1, 1);
}

TEST(Conv2D, Float32AndHalfDtypes) {
  Tensor x = iota({1, 3, 3, 1}, float32);
  Tensor y = conv2d(x, ones({3, 3, 1, 1}), {.padding = "SAME"});
  EXPECT_EQ(y.dtype(), float32);
  expect_values(y, {12, 21, 16, 27, 45, 33, 24, 39, 28});
  for (DType t : {float16, bfloat16}) {
    Tensor h = conv2d(cast(x, t), ones({3, 3, 1, 1}, t), {.padding = "SAME"});
    EXPECT_EQ(h.dtype(), t);
    expect_values(h, {12, 21, 16, 27, 45, 33, 24, 39, 28});
  }
}

TEST(Conv2D, ManyImagesSpanSeveralColumnChunks) {
  // Each image's columns take ~19 MB in float64, so the kernel works through several chunks.
  Shape in{3, 64, 64, 64}, f{3, 3, 64, 2};
  Tensor x = sample(in), k = sample(f, 0.5);
  Reference r(in, f, 1, 1, 1, 1, true);
  std::vector<double> xv = x.to_vector<double>(), kv = k.to_vector<double>();
  Tensor dy = sample({3, 64, 64, 2}, 2.0);
  std::vector<double> dyv = dy.to_vector<double>();
  std::vector<double> y_ref(static_cast<size_t>(3 * 64 * 64 * 2), 0.0);
  std::vector<double> dx_ref(xv.size(), 0.0), dk_ref(kv.size(), 0.0);
  r.each([&](int64_t xi, int64_t ki, int64_t yi) {
    y_ref[yi] += xv[xi] * kv[ki];
    dx_ref[xi] += dyv[yi] * kv[ki];
    dk_ref[ki] += dyv[yi] * xv[xi];
  });
  GradientTape tape;
  tape.watch({x, k});
  Tensor y = conv2d(x, k, {.padding = "SAME"});
  auto g = tape.gradient(y, {x, k}, {.output_gradients = dy});
  expect_values(y, y_ref, 1e-10);
  expect_values(*g[0], dx_ref, 1e-10);
  expect_values(*g[1], dk_ref, 1e-10);
}

TEST(Conv2D, Gradients) {
  auto check = [](const Shape& in, const Shape& f, Conv2DOpOptions o) {
    check_gradients([o](const std::vector<Tensor>& v) { return conv2d(v[0], v[1], o); },
                    {sample(in), sample(f, 0.3)});
  };
  check({2, 4, 5, 2}, {3, 2, 2, 3}, {});
  check({1, 5, 5, 2}, {3, 3, 2, 2}, {.strides = 2, .padding = "SAME"});
  check({1, 6, 5, 1}, {2, 2, 1, 2}, {.padding = "SAME", .dilations = 2});
  check({2, 3, 3, 3}, {1, 1, 3, 2}, {});
}

TEST(Conv2D, SecondOrderGradients) {
  // d/dx sum(conv(x, k)^2) depends on x and k through conv2d_backprop_input and conv2d itself.
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[0]);
        Tensor y = reduce_sum(square(conv2d(v[0], v[1], {.strides = 2, .padding = "SAME"})));
        return *inner.gradient(y, v[0]);
      },
      {sample({1, 4, 4, 2}), sample({2, 2, 2, 2}, 0.4)});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        GradientTape inner;
        inner.watch(v[1]);
        Tensor y = reduce_sum(square(conv2d(v[0], v[1])));
        return *inner.gradient(y, v[1]);
      },
      {sample({1, 4, 4, 2}), sample({2, 2, 2, 2}, 0.4)});
}

TEST(Conv2D, BackpropOpsAreAdjointsAndDifferentiable) {
  Conv2DOpOptions o{.strides = 2, .padding = "SAME"};
  check_gradients(
      [o](const std::vector<Tensor>& v) {
        return conv2d_backprop_input({1, 5, 5, 2}, v[0], v[1], o);
      },
      {sample({3, 3, 2, 2}), sample({1, 3, 3, 2}, 0.2)});
  check_gradients(
      [o](const std::vector<Tensor>& v) {
        return conv2d_backprop_filter(v[0], {3, 3, 2, 2}, v[1], o);
      },
      {sample({1, 5, 5, 2}), sample({1, 3, 3, 2}, 0.2)});
}

// fused_conv2d against the ops it replaces: activation(conv2d(x, w) + b).
Tensor composed(const Tensor& x, const Tensor& w, const Tensor& b, FusedActivation a,
                const Conv2DOpOptions& o) {
  Tensor y = conv2d(x, w, o);
  if (b.defined()) y = y + b;
  return a == FusedActivation::kRelu ? relu(y) : y;
}

TEST(FusedConv2D, MatchesTheComposedOpsWithGradients) {
  struct Case {
    Shape in, f;
    Conv2DOpOptions o;
    DType dtype;
  };
  const std::vector<Case> cases = {
      {{4, 8, 8, 3}, {3, 3, 3, 5}, {.padding = "SAME"}, float32},  // oneDNN
      {{2, 6, 6, 1}, {3, 3, 1, 4}, {.padding = "SAME"}, float32},  // one input channel
      {{2, 7, 7, 4}, {2, 2, 4, 3}, {.strides = 2}, float32},
      {{2, 5, 5, 2}, {3, 3, 2, 3}, {.padding = "SAME", .dilations = 2}, float64},  // im2col
  };
  for (const Case& c : cases) {
    for (bool with_bias : {true, false}) {
      for (FusedActivation a : {FusedActivation::kRelu, FusedActivation::kLinear}) {
        SCOPED_TRACE(c.in.to_string() + (with_bias ? " bias" : " no bias") +
                     (a == FusedActivation::kRelu ? " relu" : " linear"));
        const Tensor x = sample(c.in, 0.0, c.dtype), w = sample(c.f, 0.3, c.dtype);
        const Tensor b = with_bias ? sample({c.f[3]}, 0.9, c.dtype) : Tensor();
        std::vector<Tensor> sources{x, w};
        if (with_bias) sources.push_back(b);
        auto run = [&](bool fused) {
          GradientTape tape;
          tape.watch(sources);
          Tensor y = fused ? fused_conv2d(x, w, b, a, c.o) : composed(x, w, b, a, c.o);
          Tensor loss = reduce_sum(y * sample(y.shape(), 2.0, c.dtype));
          std::vector<Tensor> out{y};
          for (auto& g : tape.gradient(loss, sources)) out.push_back(*g);
          return out;
        };
        const std::vector<Tensor> want = run(false), got = run(true);
        const double tol = c.dtype == float32 ? 1e-4 : 1e-12;
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_EQ(got[i].shape(), want[i].shape()) << "result " << i;
          expect_values(got[i], want[i].to_vector<double>(), tol);
        }
      }
    }
  }
}

TEST(FusedConv2D, GradientsNumerically) {
  for (FusedActivation a : {FusedActivation::kRelu, FusedActivation::kLinear}) {
    check_gradients(
        [a](const std::vector<Tensor>& v) {
          return fused_conv2d(v[0], v[1], v[2], a, {.strides = 2, .padding = "SAME"});
        },
        {sample({2, 5, 5, 2}), sample({3, 3, 2, 3}, 0.3), sample({3}, 0.6)});
  }
}

TEST(FusedConv2D, SecondOrderGradients) {
  // Under an outer tape the filter and bias gradients go through the differentiable ops.
  for (int source : {0, 1, 2}) {
    check_gradients(
        [source](const std::vector<Tensor>& v) {
          GradientTape inner;
          inner.watch(v[static_cast<size_t>(source)]);
          Tensor y = reduce_sum(
              square(fused_conv2d(v[0], v[1], v[2], FusedActivation::kRelu, {.padding = "SAME"})));
          return *inner.gradient(y, v[static_cast<size_t>(source)]);
        },
        {sample({1, 4, 4, 2}), sample({2, 2, 2, 2}, 0.4), sample({2}, 0.1)});
  }
}

TEST(FusedConv2D, Errors) {
  const Tensor x = sample({1, 4, 4, 2}), w = sample({3, 3, 2, 3});
  expect_error<ShapeError>(
      [&] { fused_conv2d(x, w, sample({2}), FusedActivation::kRelu); },
      "fused_conv2d: expected a bias of shape [3] (one per output channel), received [2]");
  expect_error<TypeError>(
      [&] { fused_conv2d(x, w, sample({3}, 0.0, float32), FusedActivation::kRelu); },
      "fused_conv2d: expected a bias of dtype float64 like the input, received float32");
}

TEST(Conv2DTranspose, HandComputed) {
  Tensor x = constant({1.0, 2.0, 3.0, 4.0}, float64);
  Tensor y = conv2d_transpose(reshape(x, {1, 2, 2, 1}), ones({2, 2, 1, 1}, float64), {1, 3, 3, 1});
  expect_values(y, {1, 3, 2, 4, 10, 6, 3, 7, 4});
  Tensor z = conv2d_transpose(reshape(x, {1, 2, 2, 1}), ones({2, 2, 1, 1}, float64), {1, 4, 4, 1},
                              {.strides = 2});
  expect_values(z, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  check_gradients(
      [](const std::vector<Tensor>& v) {
        return conv2d_transpose(v[0], v[1], {2, 5, 5, 3}, {.strides = 2, .padding = "SAME"});
      },
      {sample({2, 3, 3, 2}), sample({3, 3, 3, 2}, 0.8)});
}

TEST(Conv2D, Errors) {
  expect_error<ValueError>(
      [] {
        conv2d(zeros({3, 3, 1}), zeros({2, 2, 1, 1}));
      },
      "conv2d: expected input of rank 4 [batch, height, width, channels], "
      "received shape [3,3,1]");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1}));
      },
      "expected filters of rank 4");
  expect_error<ShapeError>(
      [] {
        conv2d(zeros({1, 3, 3, 4}), zeros({2, 2, 3, 8}));
      },
      "the filters expect 3 input channels (filter shape [2,2,3,8]) but the "
      "input has 4");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1, 1}), {.padding = "same"});
      },
      "conv2d: padding must be \"SAME\" or \"VALID\", received \"same\"");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1, 1}), {.strides = {1, 2, 3}});
      },
      "conv2d: strides must have 1, 2 or 4 entries, received [1,2,3]");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1, 1}), {.strides = {2, 1, 1, 1}});
      },
      "strides in the batch and channel dimensions must be 1");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1, 1}), {.dilations = 0});
      },
      "conv2d: dilations must be positive");
  expect_error<ValueError>(
      [] {
        conv2d(zeros({1, 2, 5, 1}), zeros({3, 3, 1, 1}));
      },
      "conv2d: the height of the input (2) is smaller than the window (3)");
  expect_error<TypeError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}, int32), zeros({2, 2, 1, 1}, int32));
      },
      "conv2d: expected a floating-point tensor");
  expect_error<TypeError>(
      [] {
        conv2d(zeros({1, 3, 3, 1}), zeros({2, 2, 1, 1}, float64));
      },
      "conv2d: expected y to have dtype float32");
  expect_error<ShapeError>(
      [] {
        conv2d_backprop_input({1, 4, 4, 1}, zeros({2, 2, 1, 1}), zeros({1, 2, 2, 1}));
      },
      "conv2d_backprop_input: expected out_backprop of shape [1,3,3,1]");
  expect_error<ShapeError>(
      [] {
        conv2d_transpose(zeros({1, 2, 2, 3}), zeros({2, 2, 1, 2}), {1, 3, 3, 1});
      },
      "conv2d_transpose: expected input of shape [1,2,2,2]");
}

}  // namespace
}  // namespace tandem
