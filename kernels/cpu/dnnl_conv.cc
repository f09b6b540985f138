#include "kernels/cpu/dnnl_conv.h"

#include <atomic>

#ifdef TANDEM_HAVE_DNNL
#include <array>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/dnnl_cache.h"
#include "kernels/cpu/dnnl_engine.h"
#endif

namespace tandem::kernels::cpu {
namespace {
std::atomic<bool> dnnl_enabled{true};
}  // namespace

void set_dnnl_conv2d_enabled(bool enabled) { dnnl_enabled = enabled; }

#ifdef TANDEM_HAVE_DNNL
namespace {

using dnnl::memory;

using Pass = Conv2DPass;

// What a primitive computes besides the convolution: a bias (added forward, summed backward), a
// ReLU post-op (forward).
struct Extras {
  bool bias = false;
  bool relu = false;
};

// Everything that decides a primitive (with the thread count the cache adds): the pass, the extras
// and the whole geometry.
using Key = std::array<int64_t, 18>;

Key key_of(Pass pass, Extras x, const Conv2DGeometry& g) {
  return {static_cast<int64_t>(pass),
          x.bias ? 1 : 0,
          x.relu ? 1 : 0,
          g.batch,
          g.in_h,
          g.in_w,
          g.in_c,
          g.k_h,
          g.k_w,
          g.out_c,
          g.out_h,
          g.out_w,
          g.stride_h,
          g.stride_w,
          g.dilation_h,
          g.dilation_w,
          g.pad_top,
          g.pad_left};
}

// The operands in oneDNN's terms: logical dims are (N, C, H, W) and (O, I, KH, KW) whatever the
// layout; the tags say our layouts are NHWC and HWIO.
struct Problem {
  memory::desc src, dst, user_weights, any_weights, bias;
  memory::dims strides, dilates, pad_l, pad_r;
};

// oneDNN wants the padding after the input too; ours is implied by the output size. Trailing
// input cells that no window reaches (VALID with a stride that does not divide) are fine for
// oneDNN as long as its own output-size formula agrees, which is checked here.
std::optional<int64_t> trailing_pad(int64_t in, int64_t k, int64_t dilation, int64_t stride,
                                    int64_t pad_before, int64_t out) {
  const int64_t extent = (k - 1) * dilation + 1;
  const int64_t after = std::max<int64_t>(0, (out - 1) * stride + extent - in - pad_before);
  const int64_t padded = in + pad_before + after;
  if (padded < extent || (padded - extent) / stride + 1 != out) return std::nullopt;
  return after;
}

std::optional<Problem> describe(const Conv2DGeometry& g) {
  for (int64_t d : {g.batch, g.in_h, g.in_w, g.in_c, g.k_h, g.k_w, g.out_c, g.out_h, g.out_w})
    if (d <= 0) return std::nullopt;
  if (g.stride_h <= 0 || g.stride_w <= 0 || g.dilation_h <= 0 || g.dilation_w <= 0 ||
      g.pad_top < 0 || g.pad_left < 0)
    return std::nullopt;
  auto pad_b = trailing_pad(g.in_h, g.k_h, g.dilation_h, g.stride_h, g.pad_top, g.out_h);
  auto pad_r = trailing_pad(g.in_w, g.k_w, g.dilation_w, g.stride_w, g.pad_left, g.out_w);
  if (!pad_b || !pad_r) return std::nullopt;
  const auto f32 = memory::data_type::f32;
  const memory::dims weights{g.out_c, g.in_c, g.k_h, g.k_w};
  return Problem{
      .src = {{g.batch, g.in_c, g.in_h, g.in_w}, f32, memory::format_tag::nhwc},
      .dst = {{g.batch, g.out_c, g.out_h, g.out_w}, f32, memory::format_tag::nhwc},
      .user_weights = {weights, f32, memory::format_tag::hwio},
      .any_weights = {weights, f32, memory::format_tag::any},
      .bias = {{g.out_c}, f32, memory::format_tag::a},
      .strides = {g.stride_h, g.stride_w},
      // oneDNN counts the cells skipped between taps: TensorFlow's dilation minus one.
      .dilates = {g.dilation_h - 1, g.dilation_w - 1},
      .pad_l = {g.pad_top, g.pad_left},
      .pad_r = {*pad_b, *pad_r},
  };
}

dnnl::convolution_forward::primitive_desc forward_pd(const Problem& p, Extras x) {
  constexpr auto kind = dnnl::prop_kind::forward_training;
  constexpr auto direct = dnnl::algorithm::convolution_direct;
  auto d = x.bias ? dnnl::convolution_forward::desc(kind, direct, p.src, p.any_weights, p.bias,
                                                    p.dst, p.strides, p.dilates, p.pad_l, p.pad_r)
                  : dnnl::convolution_forward::desc(kind, direct, p.src, p.any_weights, p.dst,
                                                    p.strides, p.dilates, p.pad_l, p.pad_r);
  dnnl::primitive_attr attr;
  if (x.relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return {d, attr, engine()};
}

// A cached primitive and, when its filter layout is not HWIO, the reorder between the two.
struct Entry {
  dnnl::primitive compute;
  memory::desc weights;  // the layout compute reads or writes the filters in
  std::optional<dnnl::reorder> weights_reorder;
};

dnnl::reorder reorder(const memory::desc& from, const memory::desc& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(engine(), from, engine(), to));
}

template <class Primitive, class PrimitiveDesc>
Entry make_entry(const PrimitiveDesc& pd, const memory::desc& primitive_weights,
                 const memory::desc& user_weights, bool to_user) {
  Entry e{Primitive(pd), primitive_weights, std::nullopt};
  if (primitive_weights != user_weights) {
    e.weights_reorder = to_user ? reorder(primitive_weights, user_weights)
                                : reorder(user_weights, primitive_weights);
  }
  return e;
}

Entry create(Pass pass, Extras x, const Problem& p) {
  const auto fwd = forward_pd(p, pass == Pass::kForward ? x : Extras{});
  switch (pass) {
    case Pass::kForward:
      return make_entry<dnnl::convolution_forward>(fwd, fwd.weights_desc(), p.user_weights, false);
    case Pass::kBackpropInput: {
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, p.src,
                                              p.any_weights, p.dst, p.strides, p.dilates, p.pad_l,
                                              p.pad_r);
      dnnl::convolution_backward_data::primitive_desc pd(d, engine(), fwd);
      return make_entry<dnnl::convolution_backward_data>(pd, pd.weights_desc(), p.user_weights,
                                                         false);
    }
    case Pass::kBackpropFilter: {
      constexpr auto direct = dnnl::algorithm::convolution_direct;
      auto d =
          x.bias ? dnnl::convolution_backward_weights::desc(direct, p.src, p.any_weights, p.bias,
                                                            p.dst, p.strides, p.dilates, p.pad_l,
                                                            p.pad_r)
                 : dnnl::convolution_backward_weights::desc(direct, p.src, p.any_weights, p.dst,
                                                            p.strides, p.dilates, p.pad_l, p.pad_r);
      dnnl::convolution_backward_weights::primitive_desc pd(d, engine(), fwd);
      return make_entry<dnnl::convolution_backward_weights>(pd, pd.diff_weights_desc(),
                                                            p.user_weights, true);
    }
  }
  throw dnnl::error(dnnl_invalid_arguments, "unknown convolution pass");
}

// nullptr where oneDNN refused the geometry: the im2col path runs it.
std::shared_ptr<const Entry> lookup(Pass pass, Extras x, const Conv2DGeometry& g,
                                    std::optional<Problem>& problem) {
  static PrimitiveCache<std::tuple_size_v<Key>, Entry> cache;
  problem = describe(g);
  if (!problem) return nullptr;
  return cache.get(key_of(pass, x, g), [&] { return create(pass, x, *problem); });
}

// The filters in the primitive's layout live here between the reorder and the convolution;
// reused so steady-state steps do not allocate.
float* weights_scratch(const memory::desc& md) {
  thread_local std::vector<float> buffer;
  const size_t count = md.get_size() / sizeof(float) + 1;
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

// The HWIO filters as the primitive reads them: reordered into its blocked layout (in the
// scratch buffer) when it has one, else the user's buffer itself. The forward pass and the input
// gradient read the filters the same way.
memory primitive_weights(const Entry& e, const Problem& p, dnnl::stream& s, const float* filters) {
  memory user = wrap(p.user_weights, filters);
  if (!e.weights_reorder) return user;
  memory blocked(e.weights, engine(), weights_scratch(e.weights));
  e.weights_reorder->execute(s, user, blocked);
  return blocked;
}

}  // namespace

// Below this many input channels the input gradient runs faster as GEMM + col2im.
constexpr int64_t kMinBackpropInputChannels = 8;

bool use_dnnl_conv2d(const Conv2DGeometry& g, Conv2DPass pass) {
  if (!dnnl_enabled) return false;
  if (pass == Conv2DPass::kBackpropInput && g.in_c < kMinBackpropInputChannels) return false;
  return describe(g).has_value();
}

bool dnnl_conv2d(const Conv2DGeometry& g, const float* input, const float* filters, float* output,
                 const float* bias, bool relu) {
  std::optional<Problem> p;
  auto e = lookup(Pass::kForward, {.bias = bias != nullptr, .relu = relu}, g, p);
  if (!e) return false;
  dnnl::stream& s = stream();
  memory weights = primitive_weights(*e, *p, s, filters);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(p->src, input)},
                                       {DNNL_ARG_WEIGHTS, weights},
                                       {DNNL_ARG_DST, wrap(p->dst, output)}};
  if (bias) args.emplace(DNNL_ARG_BIAS, wrap(p->bias, bias));
  e->compute.execute(s, args);
  s.wait();
  return true;
}

bool dnnl_conv2d_backprop_input(const Conv2DGeometry& g, const float* filters,
                                const float* d_output, float* d_input) {
  std::optional<Problem> p;
  auto e = lookup(Pass::kBackpropInput, {}, g, p);
  if (!e) return false;
  dnnl::stream& s = stream();
  memory weights = primitive_weights(*e, *p, s, filters);
  e->compute.execute(s, {{DNNL_ARG_DIFF_DST, wrap(p->dst, d_output)},
                         {DNNL_ARG_WEIGHTS, weights},
                         {DNNL_ARG_DIFF_SRC, wrap(p->src, d_input)}});
  s.wait();
  return true;
}

bool dnnl_conv2d_backprop_filter(const Conv2DGeometry& g, const float* input, const float* d_output,
                                 float* d_filters, float* d_bias) {
  std::optional<Problem> p;
  auto e = lookup(Pass::kBackpropFilter, {.bias = d_bias != nullptr}, g, p);
  if (!e) return false;
  dnnl::stream& s = stream();
  memory user = wrap(p->user_weights, d_filters);
  memory weights =
      e->weights_reorder ? memory(e->weights, engine(), weights_scratch(e->weights)) : user;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(p->src, input)},
                                       {DNNL_ARG_DIFF_DST, wrap(p->dst, d_output)},
                                       {DNNL_ARG_DIFF_WEIGHTS, weights}};
  if (d_bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(p->bias, d_bias));
  e->compute.execute(s, args);
  if (e->weights_reorder) e->weights_reorder->execute(s, weights, user);
  s.wait();
  return true;
}

#else  // no oneDNN in this build: conv.cc's im2col path runs everything

bool use_dnnl_conv2d(const Conv2DGeometry&, Conv2DPass) { return false; }
bool dnnl_conv2d(const Conv2DGeometry&, const float*, const float*, float*, const float*, bool) {
  return false;
}
bool dnnl_conv2d_backprop_input(const Conv2DGeometry&, const float*, const float*, float*) {
  return false;
}
bool dnnl_conv2d_backprop_filter(const Conv2DGeometry&, const float*, const float*, float*,
                                 float*) {
  return false;
}

#endif

}  // namespace tandem::kernels::cpu
