// Kernel dispatch by device: each function runs the CPU or the CUDA kernel for its tensors' device.
// Outputs are preallocated by the caller (ops/*.cc).
#pragma once

#include "kernels/common/functors.h"
#include "tandem/core/tensor.h"

namespace tandem::ops::dispatch {

void unary(kernels::UnaryOp op, const Tensor& x, const Tensor& out, float alpha = 0.f);
void binary(kernels::BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void cast(const Tensor& x, const Tensor& out);
void fill(const Tensor& out, double value);
// Byte copy of src into dst (same byte size; host or device).
void copy(const Tensor& src, const Tensor& dst);

}  // namespace tandem::ops::dispatch
