// Tensor creation ops (tf.constant, tf.zeros, tf.range, tf.one_hot, ...).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

// A tensor from a (nested) literal: constant({{1, 2}, {3, 4}}) is int32, constant({1.5, 2})
// float32; `dtype` overrides the inferred type.
Tensor constant(const Literal& value, std::optional<DType> dtype = std::nullopt);
// A tensor from host values in row-major order.
template <class T>
Tensor constant(const std::vector<T>& values, const Shape& shape) {
  return Tensor::from_vector(values, shape);
}
// Returns t itself, or casts it when dtype is given and differs (TypeError between string and
// numbers).
Tensor convert_to_tensor(const Tensor& t, std::optional<DType> dtype = std::nullopt);

Tensor zeros(const Shape& shape, DType dtype = float32, Device device = default_device());
Tensor ones(const Shape& shape, DType dtype = float32, Device device = default_device());
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor fill(const Shape& shape, double value, DType dtype = float32,
            Device device = default_device());

// [start, limit) in steps of delta, like tf.range.
Tensor range(int64_t limit, DType dtype = int32);
Tensor range(int64_t start, int64_t limit, int64_t delta = 1, DType dtype = int32);
Tensor range(double start, double limit, double delta, DType dtype = float32);
// Integers of any width (range(0, 10, 2), range(0, n)) take the int64_t form; plain int literals
// would otherwise be ambiguous between the int64_t and double overloads.
template <std::integral A, std::integral B, std::integral C = int64_t>
Tensor range(A start, B limit, C delta = 1, DType dtype = int32) {
  return range(static_cast<int64_t>(start), static_cast<int64_t>(limit),
               static_cast<int64_t>(delta), dtype);
}
// num evenly spaced values from start to stop inclusive.
Tensor linspace(double start, double stop, int64_t num, DType dtype = float32);
// Identity matrix [num_rows, num_columns] (square by default).
Tensor eye(int64_t num_rows, std::optional<int64_t> num_columns = std::nullopt,
           DType dtype = float32);

struct OneHotOptions {
  double on_value = 1;
  double off_value = 0;
  int axis = -1;
  DType dtype = float32;
};
// One-hot encoding of integer indices; indices outside [0, depth) give an all-off row, as in TF.
Tensor one_hot(const Tensor& indices, int64_t depth, OneHotOptions options = {});

// Coordinate grids; indexing "xy" (Cartesian, the default) or "ij" (matrix).
std::vector<Tensor> meshgrid(const std::vector<Tensor>& inputs, const std::string& indexing = "xy");

}  // namespace tandem
