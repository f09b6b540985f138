#include "tandem/ops/dispatch.h"

#include <cstring>

#include "kernels/cpu/elementwise.h"
#include "tandem/ops/op_utils.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem::ops::dispatch {
#ifndef TANDEM_HAVE_CUDA
namespace {
[[noreturn]] void no_cuda(const char* what) {
  throw ValueError(std::string(what) + ": this build of Tandem has no CUDA support");
}
}  // namespace
#endif

void unary(kernels::UnaryOp op, const Tensor& x, const Tensor& out, float alpha) {
  if (x.device().is_cpu()) {
    kernels::cpu::unary(op, kt(x.dtype()), x.raw_data(), mutable_data(out), x.num_elements(),
                        alpha);
    return;
  }
#ifdef TANDEM_HAVE_CUDA
  kernels::cuda::unary(x.device().index(), op, kt(x.dtype()), x.raw_data(), mutable_data(out),
                       x.num_elements(), alpha);
#else
  no_cuda("unary op");
#endif
}

void binary(kernels::BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  kernels::BroadcastSpec spec = make_broadcast_spec(out.shape(), a.shape(), b.shape());
  if (a.device().is_cpu()) {
    kernels::cpu::binary(op, kt(a.dtype()), a.raw_data(), b.raw_data(), mutable_data(out), spec);
    return;
  }
#ifdef TANDEM_HAVE_CUDA
  kernels::cuda::binary(a.device().index(), op, kt(a.dtype()), a.raw_data(), b.raw_data(),
                        mutable_data(out), spec);
#else
  no_cuda("binary op");
#endif
}

void cast(const Tensor& x, const Tensor& out) {
  if (x.device().is_cpu()) {
    kernels::cpu::cast(kt(x.dtype()), kt(out.dtype()), x.raw_data(), mutable_data(out),
                       x.num_elements());
    return;
  }
#ifdef TANDEM_HAVE_CUDA
  kernels::cuda::cast(x.device().index(), kt(x.dtype()), kt(out.dtype()), x.raw_data(),
                      mutable_data(out), x.num_elements());
#else
  no_cuda("cast");
#endif
}

void fill(const Tensor& out, double value) {
  if (out.device().is_cpu()) {
    kernels::cpu::fill(kt(out.dtype()), mutable_data(out), out.num_elements(), value);
    return;
  }
#ifdef TANDEM_HAVE_CUDA
  kernels::cuda::fill(out.device().index(), kt(out.dtype()), mutable_data(out), out.num_elements(),
                      value);
#else
  no_cuda("fill");
#endif
}

void copy(const Tensor& src, const Tensor& dst) {
  if (src.dtype() == DType::kString) {
    const std::string* s = src.data<std::string>();
    std::string* d = mutable_data<std::string>(dst);
    for (int64_t i = 0; i < src.num_elements(); ++i) d[i] = s[i];
    return;
  }
  if (src.device().is_cpu() && dst.device().is_cpu()) {
    std::memcpy(mutable_data(dst), src.raw_data(), src.nbytes());
    return;
  }
#ifdef TANDEM_HAVE_CUDA
  int dev = src.device().is_cuda() ? src.device().index() : dst.device().index();
  kernels::cuda::copy(mutable_data(dst), src.raw_data(), src.nbytes(), dev);
#else
  no_cuda("copy");
#endif
}

}  // namespace tandem::ops::dispatch
