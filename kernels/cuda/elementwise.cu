// CUDA element-wise launchers: the same functors as the CPU kernels (kernels/common/functors.h).
#include "kernels/cuda/check.cuh"
#include "kernels/cuda/runtime.h"

namespace tandem::kernels::cuda {
namespace {

constexpr int kThreads = 256;

inline int blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65535 * 8 ? b : 65535 * 8);
}

inline cudaStream_t compute_stream(int device) {
  TANDEM_CUDA_CHECK(cudaSetDevice(device));
  return static_cast<cudaStream_t>(stream(device));
}

template <UnaryOp kOp, class T>
__global__ void unary_kernel(const T* x, T* y, int64_t n, float alpha) {
  using C = compute_t<T>;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{blockDim.x} * gridDim.x)
    y[i] = static_cast<T>(apply_unary<kOp, C>(C(x[i]), alpha));
}

template <BinaryOp kOp, class T, class Out>
__global__ void binary_kernel(const T* a, const T* b, Out* out, int64_t n, BroadcastSpec s) {
  using C = compute_t<T>;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{blockDim.x} * gridDim.x) {
    int64_t rem = i, ia = 0, ib = 0;
    for (int d = s.ndim - 1; d >= 0; --d) {
      int64_t idx = rem % s.shape[d];
      rem /= s.shape[d];
      ia += idx * s.a_stride[d];
      ib += idx * s.b_stride[d];
    }
    out[i] = static_cast<Out>(apply_binary<kOp, C>(C(a[ia]), C(b[ib])));
  }
}

template <class F, class T>
__global__ void cast_kernel(const F* x, T* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{blockDim.x} * gridDim.x) {
    if constexpr (std::is_same_v<T, bool>) {
      y[i] = static_cast<float>(x[i]) != 0.f;
    } else {
      y[i] = static_cast<T>(static_cast<compute_t<T>>(static_cast<compute_t<F>>(x[i])));
    }
  }
}

template <class T>
__global__ void fill_kernel(T* y, int64_t n, T v) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{blockDim.x} * gridDim.x)
    y[i] = v;
}

}  // namespace

void unary(int device, UnaryOp op, ScalarType t, const void* x, void* y, int64_t n, float alpha) {
  if (n == 0) return;
  cudaStream_t s = compute_stream(device);
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    visit_unary(op, [&](auto op_tag) {
      unary_kernel<decltype(op_tag)::value, T><<<blocks_for(n), kThreads, 0, s>>>(
          static_cast<const T*>(x), static_cast<T*>(y), n, alpha);
    });
  });
  TANDEM_CUDA_CHECK(cudaGetLastError());
}

void binary(int device, BinaryOp op, ScalarType t, const void* a, const void* b, void* out,
            const BroadcastSpec& spec) {
  int64_t n = 1;
  for (int d = 0; d < spec.ndim; ++d) n *= spec.shape[d];
  if (n == 0) return;
  cudaStream_t s = compute_stream(device);
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    visit_binary(op, [&](auto op_tag) {
      constexpr BinaryOp kOp = decltype(op_tag)::value;
      using Out = std::conditional_t<(kOp >= BinaryOp::kEqual), bool, T>;
      binary_kernel<kOp, T, Out><<<blocks_for(n), kThreads, 0, s>>>(
          static_cast<const T*>(a), static_cast<const T*>(b), static_cast<Out*>(out), n, spec);
    });
  });
  TANDEM_CUDA_CHECK(cudaGetLastError());
}

void cast(int device, ScalarType from, ScalarType to, const void* x, void* y, int64_t n) {
  if (n == 0) return;
  cudaStream_t s = compute_stream(device);
  visit_numeric(from, [&](auto from_tag) {
    using F = decltype(from_tag);
    visit_numeric(to, [&](auto to_tag) {
      using T = decltype(to_tag);
      cast_kernel<F, T>
          <<<blocks_for(n), kThreads, 0, s>>>(static_cast<const F*>(x), static_cast<T*>(y), n);
    });
  });
  TANDEM_CUDA_CHECK(cudaGetLastError());
}

void fill(int device, ScalarType t, void* y, int64_t n, double value) {
  if (n == 0) return;
  cudaStream_t s = compute_stream(device);
  visit_numeric(t, [&](auto tag) {
    using T = decltype(tag);
    T v = static_cast<T>(static_cast<compute_t<T>>(value));
    fill_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(static_cast<T*>(y), n, v);
  });
  TANDEM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace tandem::kernels::cuda
