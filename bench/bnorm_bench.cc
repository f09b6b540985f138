// The measurement behind BatchNormalization's kernel (kernels/cpu/batch_norm.h): our fused
// training forward and backward passes against oneDNN's batch-normalization primitives (scale and
// shift, NHWC float32), on the Fashion-MNIST CNN's two normalised activations at batch 128, timed
// alternately in one process.
//
//   ./build/bench/bnorm_bench [repeats]
// prints `KERNEL bnorm_<shape>_<pass> dnnl=<ms> ours=<ms> speedup=<ours/dnnl> unit=ms` per case
// (speedup above 1: oneDNN is faster).
#include <algorithm>
#include <cstdio>
#include <dnnl.hpp>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_timing.h"
#include "kernels/cpu/batch_norm.h"

namespace {

using namespace tandem::kernels;
using namespace tandem::kernels::cpu;
using dnnl::memory;

constexpr double kEpsilon = 1e-3;

struct Shape4 {
  int64_t n, h, w, c;
  std::string name() const {
    return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
  }
};

void bench_shape(const Shape4& s, int repeats) {
  const int64_t rows = s.n * s.h * s.w, size = rows * s.c;
  std::vector<float> x(size), dy(size), y(size), dx(size);
  for (int64_t i = 0; i < size; ++i) {
    x[i] = static_cast<float>((i * 7919) % 1000) / 500.f - 1.f;
    dy[i] = static_cast<float>((i * 104729) % 1000) / 1000.f - 0.5f;
  }
  std::vector<float> scale(s.c, 1.5f), shift(s.c, 0.25f), mean(s.c), variance(s.c);
  std::vector<float> dscale(s.c), dshift(s.c);

  // Ours: the calls ops/fused_batch_norm.cc makes in a training step.
  auto ours_forward = [&] {
    batch_norm_training(ScalarType::kFloat32, {.rows = rows,
                                               .channels = s.c,
                                               .x = x.data(),
                                               .scale = scale.data(),
                                               .offset = shift.data(),
                                               .epsilon = kEpsilon,
                                               .y = y.data(),
                                               .batch_mean = mean.data(),
                                               .batch_variance = variance.data()});
  };
  auto ours_backward = [&] {
    batch_norm_backward(ScalarType::kFloat32, {.rows = rows,
                                               .channels = s.c,
                                               .training = true,
                                               .dy = dy.data(),
                                               .x = x.data(),
                                               .scale = scale.data(),
                                               .mean = mean.data(),
                                               .variance = variance.data(),
                                               .epsilon = kEpsilon,
                                               .dx = dx.data(),
                                               .dscale = dscale.data(),
                                               .doffset = dshift.data()});
  };

  // oneDNN: the same two passes, primitives made once (as a cache would).
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc data({s.n, s.c, s.h, s.w}, memory::data_type::f32, memory::format_tag::nhwc);
  const memory::desc channel({s.c}, memory::data_type::f32, memory::format_tag::a);
  const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
  dnnl::batch_normalization_forward::primitive_desc fpd(
      dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_training, data,
                                              static_cast<float>(kEpsilon), flags),
      engine);
  dnnl::batch_normalization_backward::primitive_desc bpd(
      dnnl::batch_normalization_backward::desc(dnnl::prop_kind::backward, data, data,
                                               static_cast<float>(kEpsilon), flags),
      engine, fpd);
  // Some implementations keep a workspace from the forward pass for the backward one.
  std::vector<float> workspace_data(fpd.workspace_desc().get_size() / sizeof(float) + 1);
  memory workspace(fpd.workspace_desc(), engine, workspace_data.data());
  dnnl::batch_normalization_forward forward(fpd);
  dnnl::batch_normalization_backward backward(bpd);
  auto wrap = [&](const memory::desc& md, std::vector<float>& v) {
    return memory(md, engine, v.data());
  };
  auto with_workspace = [&](std::unordered_map<int, memory> args) {
    if (fpd.workspace_desc().get_size() > 0) args.emplace(DNNL_ARG_WORKSPACE, workspace);
    return args;
  };
  auto dnnl_forward = [&] {
    forward.execute(stream, with_workspace({{DNNL_ARG_SRC, wrap(data, x)},
                                            {DNNL_ARG_DST, wrap(data, y)},
                                            {DNNL_ARG_SCALE, wrap(channel, scale)},
                                            {DNNL_ARG_SHIFT, wrap(channel, shift)},
                                            {DNNL_ARG_MEAN, wrap(channel, mean)},
                                            {DNNL_ARG_VARIANCE, wrap(channel, variance)}}));
    stream.wait();
  };
  auto dnnl_backward = [&] {
    backward.execute(stream, with_workspace({{DNNL_ARG_SRC, wrap(data, x)},
                                             {DNNL_ARG_DIFF_DST, wrap(data, dy)},
                                             {DNNL_ARG_MEAN, wrap(channel, mean)},
                                             {DNNL_ARG_VARIANCE, wrap(channel, variance)},
                                             {DNNL_ARG_SCALE, wrap(channel, scale)},
                                             // read by oneDNN 2.6 (refuses to run without it)
                                             {DNNL_ARG_SHIFT, wrap(channel, shift)},
                                             {DNNL_ARG_DIFF_SRC, wrap(data, dx)},
                                             {DNNL_ARG_DIFF_SCALE, wrap(channel, dscale)},
                                             {DNNL_ARG_DIFF_SHIFT, wrap(channel, dshift)}}));
    stream.wait();
  };

  const std::vector<std::pair<const char*, std::pair<std::function<void()>, std::function<void()>>>>
      passes = {{"forward_training", {dnnl_forward, ours_forward}},
                {"backward", {dnnl_backward, ours_backward}}};
  for (const auto& [pass, runs] : passes) {
    double dnnl_ms = 0, ours_ms = 0;
    for (int round = 0; round < 2; ++round) {  // alternate, the first round warming both up
      runs.first();
      dnnl_ms = bench::median_ms(runs.first, repeats);
      runs.second();
      ours_ms = bench::median_ms(runs.second, repeats);
    }
    std::printf("KERNEL bnorm_%s_%s dnnl=%.3f ours=%.3f speedup=%.2f unit=ms\n", s.name().c_str(),
                pass, dnnl_ms, ours_ms, dnnl_ms > 0 ? ours_ms / dnnl_ms : 0.0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::stoi(argv[1])) : 20;
  for (const Shape4& s : {Shape4{128, 28, 28, 32}, Shape4{128, 14, 14, 64}})
    bench_shape(s, repeats);
  return 0;
}
