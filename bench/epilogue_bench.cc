// Whether fused epilogues pay (issue 15, section 3): the work after a Dense or Conv2D matmul
// composed as Tandem runs it today against one fused loop, on the shapes of bench/run's MLP and
// CNN (batch 128), timed alternately in one process. Kernel level only, so the figures are an
// upper bound on what a fused op would save per step (the op level adds an allocation and a tape
// record per composed op on top).
//
//   ./build/bench/epilogue_bench [repeats]
// prints `KERNEL epilogue_<layer> composed=<ms> fused=<ms> saved=<ms>` per layer: the forward
// bias add + ReLU (kernels::cpu::binary then unary, against y = max(x + b, 0) in one pass).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "bench_timing.h"
#include "kernels/cpu/elementwise.h"
#include "kernels/cpu/parallel.h"

namespace {

using namespace tandem::kernels;

using bench::median_ms;

struct Case {
  const char* name;
  int64_t rows, channels;  // the layer's output as [rows, channels]; the bias has `channels`
};

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;
  const Case cases[] = {{"mlp_dense256", 128, 256},
                        {"mlp_dense128", 128, 128},
                        {"cnn_conv32_28x28", 128 * 28 * 28, 32},
                        {"cnn_conv64_14x14", 128 * 14 * 14, 64},
                        {"cnn_dense128", 128, 128}};
  for (const Case& c : cases) {
    const int64_t n = c.rows * c.channels;
    std::vector<float> x(n), b(c.channels), tmp(n), y(n);
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 7919) % 2001 - 1000) * 1e-3f;
    for (int64_t j = 0; j < c.channels; ++j) b[j] = static_cast<float>(j % 13) * 0.01f - 0.06f;
    BroadcastSpec spec;
    spec.ndim = 2;
    spec.shape[0] = c.rows, spec.shape[1] = c.channels;
    spec.a_stride[0] = c.channels, spec.a_stride[1] = 1;
    spec.b_stride[0] = 0, spec.b_stride[1] = 1;
    auto composed = [&] {
      cpu::binary(BinaryOp::kAdd, ScalarType::kFloat32, x.data(), b.data(), tmp.data(), spec);
      cpu::unary(UnaryOp::kRelu, ScalarType::kFloat32, tmp.data(), y.data(), n);
    };
    const int64_t channels = c.channels;
    auto fused = [&] {
      cpu::parallel_for(c.rows, channels, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* xr = x.data() + r * channels;
          float* yr = y.data() + r * channels;
#pragma omp simd
          for (int64_t j = 0; j < channels; ++j) yr[j] = std::max(xr[j] + b[j], 0.0f);
        }
      });
    };
    composed(), fused();  // first touch of every buffer
    double t_composed = 0, t_fused = 0;
    for (int round = 0; round < 3; ++round) {  // alternate, keep each side's best median
      const double a = median_ms(composed, repeats), f = median_ms(fused, repeats);
      t_composed = round == 0 ? a : std::min(t_composed, a);
      t_fused = round == 0 ? f : std::min(t_fused, f);
    }
    std::printf("KERNEL epilogue_%s composed=%.4f fused=%.4f saved=%.4f unit=ms\n", c.name,
                t_composed, t_fused, t_composed - t_fused);
  }
  return 0;
}
