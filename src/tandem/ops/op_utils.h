// Helpers every op uses: argument checks with TensorFlow-style messages, broadcasting, output
// allocation. Internal to the ops (installed only because op headers are header-visible).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "kernels/common/functors.h"
#include "tandem/core/tensor.h"

namespace tandem::ops {

void check_defined(const char* op, const Tensor& t, const char* arg = "input");
// TypeError unless a and b share a dtype ("add: expected y to have dtype float32 like x, received
// int32").
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
// ValueError unless every tensor lives on the first one's device.
void check_same_device(const char* op, std::initializer_list<const Tensor*> ts);
// TypeError unless t's dtype is floating point.
void check_floating(const char* op, const Tensor& t);
// TypeError unless t's dtype is one of `allowed`.
void check_dtype_in(const char* op, const Tensor& t, std::initializer_list<DType> allowed);
// TypeError for string tensors (numeric ops).
void check_numeric(const char* op, const Tensor& t);

// Python-style axis in [-rank, rank) to [0, rank); ValueError naming the op otherwise.
int normalize_axis(const char* op, int64_t axis, int rank);

// NumPy broadcast of two shapes; ShapeError "add: incompatible shapes [2,3] and [4]" otherwise.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// Output-aligned element strides of `in` inside `out` (0 where broadcast).
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);
kernels::BroadcastSpec make_broadcast_spec(const Shape& out, const Shape& a, const Shape& b);

// A scalar of `like`'s dtype and device: how a C++ number joins a tensor op (no promotion).
Tensor scalar_like(double value, const Tensor& like);

// Sums `grad` down to `shape`, undoing a broadcast (used by every broadcasting op's gradient).
Tensor unbroadcast(const Tensor& grad, const Shape& shape);

}  // namespace tandem::ops
