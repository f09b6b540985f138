// The measurement behind conv2d's choice of path (kernels/cpu/dnnl_conv.h): each pass of each
// Fashion-MNIST CNN layer (batch 128) through oneDNN's primitives against conv.cc's im2col + GEMM,
// timed alternately in one process; max pooling's forward pass in GB/s; average pooling through
// oneDNN against pool.cc's loops.
//
//   ./build/bench/conv_bench [repeats]
// prints `KERNEL conv_<layer>_<pass> dnnl=<ms> im2col=<ms> speedup=<im2col/dnnl> chosen=<path>`
// per case (the path conv2d takes for it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/dnnl_conv.h"
#include "kernels/cpu/dnnl_pool.h"
#include "kernels/cpu/pool.h"

namespace {

using namespace tandem::kernels;
using namespace tandem::kernels::cpu;

using bench::median_ms;

struct Layer {
  const char* name;
  Conv2DGeometry g;
};

void bench_layer(const Layer& layer, int repeats) {
  const Conv2DGeometry& g = layer.g;
  std::vector<float> x(g.batch * g.in_h * g.in_w * g.in_c, 0.5f);
  std::vector<float> w(g.k_h * g.k_w * g.in_c * g.out_c, 0.25f);
  std::vector<float> y(g.batch * g.out_h * g.out_w * g.out_c, 1.f);
  std::vector<float> dx(x.size()), dw(w.size());
  struct Pass {
    const char* name;
    Conv2DPass kind;
    std::function<void()> dnnl, any;  // the primitive itself; conv.h's entry point
  };
  const std::vector<Pass> passes = {
      {"forward", Conv2DPass::kForward, [&] { dnnl_conv2d(g, x.data(), w.data(), y.data()); },
       [&] { conv2d(ScalarType::kFloat32, g, x.data(), w.data(), y.data()); }},
      {"backprop_input", Conv2DPass::kBackpropInput,
       [&] { dnnl_conv2d_backprop_input(g, w.data(), y.data(), dx.data()); },
       [&] { conv2d_backprop_input(ScalarType::kFloat32, g, w.data(), y.data(), dx.data()); }},
      {"backprop_filter", Conv2DPass::kBackpropFilter,
       [&] { dnnl_conv2d_backprop_filter(g, x.data(), y.data(), dw.data()); },
       [&] { conv2d_backprop_filter(ScalarType::kFloat32, g, x.data(), y.data(), dw.data()); }},
  };
  for (const Pass& pass : passes) {
    double dnnl = 0, im2col = 0;
    for (int round = 0; round < 2; ++round) {  // alternate, the first round warming both up
      pass.dnnl();
      dnnl = median_ms(pass.dnnl, repeats);
      set_dnnl_conv2d_enabled(false);  // conv.h's entry point runs im2col
      pass.any();
      im2col = median_ms(pass.any, repeats);
      set_dnnl_conv2d_enabled(true);
    }
    std::printf("KERNEL conv_%s_%s dnnl=%.3f im2col=%.3f speedup=%.2f unit=ms chosen=%s\n",
                layer.name, pass.name, dnnl, im2col, dnnl > 0 ? im2col / dnnl : 0.0,
                use_dnnl_conv2d(g, pass.kind) ? "dnnl" : "im2col");
  }
}

void bench_max_pool(int repeats) {
  Pool2DGeometry g{.batch = 128,
                   .in_h = 28,
                   .in_w = 28,
                   .channels = 32,
                   .k_h = 2,
                   .k_w = 2,
                   .out_h = 14,
                   .out_w = 14,
                   .stride_h = 2,
                   .stride_w = 2};
  std::vector<float> x(g.batch * g.in_h * g.in_w * g.channels);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000);
  std::vector<float> y(g.batch * g.out_h * g.out_w * g.channels);
  std::vector<int64_t> arg(y.size());
  auto run = [&] { max_pool2d(ScalarType::kFloat32, g, x.data(), y.data(), arg.data()); };
  run();
  const double ms = median_ms(run, repeats);
  const double bytes = static_cast<double>(x.size() * 4 + y.size() * (4 + 8));
  std::printf("KERNEL max_pool2d_forward_28x28x32 time=%.3f bandwidth=%.1f unit=ms,GB/s\n", ms,
              bytes / ms / 1e6);
}

// Average pooling, forward and input gradient, through oneDNN and through pool.cc's loops.
void bench_avg_pool(int repeats) {
  Pool2DGeometry g{.batch = 128,
                   .in_h = 28,
                   .in_w = 28,
                   .channels = 32,
                   .k_h = 2,
                   .k_w = 2,
                   .out_h = 14,
                   .out_w = 14,
                   .stride_h = 2,
                   .stride_w = 2};
  std::vector<float> x(g.batch * g.in_h * g.in_w * g.channels, 0.5f), dx(x.size());
  std::vector<float> y(g.batch * g.out_h * g.out_w * g.channels, 1.f);
  const std::vector<std::pair<const char*, std::function<void()>>> passes = {
      {"forward", [&] { avg_pool2d(ScalarType::kFloat32, g, x.data(), y.data()); }},
      {"backprop", [&] { avg_pool2d_backprop(ScalarType::kFloat32, g, y.data(), dx.data()); }},
  };
  for (const auto& [name, run] : passes) {
    double dnnl = 0, loops = 0;
    for (int round = 0; round < 2; ++round) {
      set_dnnl_pool2d_enabled(true);
      run();
      dnnl = median_ms(run, repeats);
      set_dnnl_pool2d_enabled(false);
      run();
      loops = median_ms(run, repeats);
    }
    set_dnnl_pool2d_enabled(true);
    std::printf(
        "KERNEL avg_pool2d_28x28x32_%s dnnl=%.3f loops=%.3f speedup=%.2f unit=ms chosen=%s\n", name,
        dnnl, loops, dnnl > 0 ? loops / dnnl : 0.0, use_dnnl_avg_pool2d(g) ? "dnnl" : "loops");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::max(1, std::stoi(argv[1])) : 20;
  auto geometry = [](int64_t hw, int64_t c, int64_t o) {
    return Conv2DGeometry{.batch = 128,
                          .in_h = hw,
                          .in_w = hw,
                          .in_c = c,
                          .k_h = 3,
                          .k_w = 3,
                          .out_c = o,
                          .out_h = hw,
                          .out_w = hw,
                          .pad_top = 1,
                          .pad_left = 1};
  };
  // The Fashion-MNIST CNN's two layers, and an RGB first layer (CIFAR-10's 32x32x3) and one with
  // a few channels, to see where the input-gradient's crossover lies.
  for (const Layer& layer :
       {Layer{"28x28x1_to_32", geometry(28, 1, 32)}, Layer{"14x14x32_to_64", geometry(14, 32, 64)},
        Layer{"32x32x3_to_32", geometry(32, 3, 32)}, Layer{"16x16x8_to_16", geometry(16, 8, 16)}})
    bench_layer(layer, repeats);
  bench_max_pool(repeats);
  bench_avg_pool(repeats);
  return 0;
}
