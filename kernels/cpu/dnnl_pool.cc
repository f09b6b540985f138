#include "kernels/cpu/dnnl_pool.h"

#include <atomic>

#ifdef TANDEM_HAVE_DNNL
#include <memory>
#include <optional>

#include "kernels/cpu/dnnl_cache.h"
#include "kernels/cpu/dnnl_engine.h"
#endif

namespace tandem::kernels::cpu {
namespace {
std::atomic<bool> dnnl_enabled{true};
}  // namespace

void set_dnnl_pool2d_enabled(bool enabled) { dnnl_enabled = enabled; }

#ifdef TANDEM_HAVE_DNNL
namespace {

using dnnl::memory;

struct Problem {
  memory::desc src, dst;
  memory::dims strides, kernel, pad_l, pad_r;
};

// The padding after the input that oneDNN wants, implied by the output size; nullopt where
// oneDNN's output-size formula would not agree or a window could lie wholly in the padding.
std::optional<int64_t> trailing_pad(int64_t in, int64_t k, int64_t stride, int64_t pad_before,
                                    int64_t out) {
  const int64_t after = std::max<int64_t>(0, (out - 1) * stride + k - in - pad_before);
  const int64_t padded = in + pad_before + after;
  if (pad_before >= k || after >= k) return std::nullopt;
  if (padded < k || (padded - k) / stride + 1 != out) return std::nullopt;
  return after;
}

std::optional<Problem> describe(const Pool2DGeometry& g) {
  for (int64_t d : {g.batch, g.in_h, g.in_w, g.channels, g.k_h, g.k_w, g.out_h, g.out_w, g.stride_h,
                    g.stride_w})
    if (d <= 0) return std::nullopt;
  if (g.pad_top < 0 || g.pad_left < 0) return std::nullopt;
  auto pad_b = trailing_pad(g.in_h, g.k_h, g.stride_h, g.pad_top, g.out_h);
  auto pad_r = trailing_pad(g.in_w, g.k_w, g.stride_w, g.pad_left, g.out_w);
  if (!pad_b || !pad_r) return std::nullopt;
  const auto f32 = memory::data_type::f32;
  return Problem{
      .src = {{g.batch, g.channels, g.in_h, g.in_w}, f32, memory::format_tag::nhwc},
      .dst = {{g.batch, g.channels, g.out_h, g.out_w}, f32, memory::format_tag::nhwc},
      .strides = {g.stride_h, g.stride_w},
      .kernel = {g.k_h, g.k_w},
      .pad_l = {g.pad_top, g.pad_left},
      .pad_r = {*pad_b, *pad_r},
  };
}

constexpr auto kAverage = dnnl::algorithm::pooling_avg_exclude_padding;

dnnl::pooling_forward::primitive_desc forward_pd(const Problem& p, dnnl::prop_kind kind) {
  dnnl::pooling_forward::desc d(kind, kAverage, p.src, p.dst, p.strides, p.kernel, p.pad_l,
                                p.pad_r);
  return {d, engine()};
}

dnnl::primitive create(bool backward, const Problem& p) {
  if (!backward) return dnnl::pooling_forward(forward_pd(p, dnnl::prop_kind::forward_inference));
  dnnl::pooling_backward::desc d(kAverage, p.src, p.dst, p.strides, p.kernel, p.pad_l, p.pad_r);
  dnnl::pooling_backward::primitive_desc pd(d, engine(),
                                            forward_pd(p, dnnl::prop_kind::forward_training));
  return dnnl::pooling_backward(pd);
}

// nullptr where oneDNN refused the geometry: pool.cc's loops run it.
std::shared_ptr<const dnnl::primitive> lookup(bool backward, const Pool2DGeometry& g,
                                              std::optional<Problem>& problem) {
  static PrimitiveCache<13, dnnl::primitive> cache;
  problem = describe(g);
  if (!problem) return nullptr;
  return cache.get({backward ? 1 : 0, g.batch, g.in_h, g.in_w, g.channels, g.k_h, g.k_w, g.out_h,
                    g.out_w, g.stride_h, g.stride_w, g.pad_top, g.pad_left},
                   [&] { return create(backward, *problem); });
}

}  // namespace

bool use_dnnl_avg_pool2d(const Pool2DGeometry& g) {
  return dnnl_enabled && describe(g).has_value();
}

bool dnnl_avg_pool2d(const Pool2DGeometry& g, const float* input, float* output) {
  std::optional<Problem> p;
  auto prim = lookup(false, g, p);
  if (!prim) return false;
  dnnl::stream& s = stream();
  prim->execute(s, {{DNNL_ARG_SRC, wrap(p->src, input)}, {DNNL_ARG_DST, wrap(p->dst, output)}});
  s.wait();
  return true;
}

bool dnnl_avg_pool2d_backprop(const Pool2DGeometry& g, const float* d_output, float* d_input) {
  std::optional<Problem> p;
  auto prim = lookup(true, g, p);
  if (!prim) return false;
  dnnl::stream& s = stream();
  prim->execute(
      s, {{DNNL_ARG_DIFF_DST, wrap(p->dst, d_output)}, {DNNL_ARG_DIFF_SRC, wrap(p->src, d_input)}});
  s.wait();
  return true;
}

#else  // no oneDNN in this build: pool.cc's loops run everything

bool use_dnnl_avg_pool2d(const Pool2DGeometry&) { return false; }
bool dnnl_avg_pool2d(const Pool2DGeometry&, const float*, float*) { return false; }
bool dnnl_avg_pool2d_backprop(const Pool2DGeometry&, const float*, float*) { return false; }

#endif

}  // namespace tandem::kernels::cpu
