// Element-wise math with NumPy broadcasting, TensorFlow names and semantics (tf.math).
// No implicit dtype promotion: both inputs of a binary op must share a dtype; a C++ number adopts
// the tensor's dtype (x * 2.0 on an int32 tensor multiplies by int32 2).
#pragma once

#include <optional>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

// Binary arithmetic.
Tensor add(const Tensor& x, const Tensor& y);
// tf.math.add_n: the element-wise sum of one or more tensors of one shape and dtype (unlike add,
// no broadcasting); the gradient reaches every input.
Tensor add_n(const std::vector<Tensor>& inputs);
Tensor subtract(const Tensor& x, const Tensor& y);
Tensor multiply(const Tensor& x, const Tensor& y);
Tensor divide(const Tensor& x, const Tensor& y);  // true division; integers divide exactly as ints
Tensor floordiv(const Tensor& x, const Tensor& y);  // rounds toward -inf
Tensor mod(const Tensor& x, const Tensor& y);       // floor modulo: the result has y's sign
Tensor pow(const Tensor& x, const Tensor& y);
Tensor maximum(const Tensor& x, const Tensor& y);
Tensor minimum(const Tensor& x, const Tensor& y);
Tensor squared_difference(const Tensor& x, const Tensor& y);

// Unary math.
Tensor negative(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor round(const Tensor& x);  // half to even
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);

// Activations (tf.nn / tf.keras.activations).
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
// tf.raw_ops.ReluGrad: gradients * (features > 0) in one pass. features may be relu's input or its
// output (positive at the same places). Differentiable in gradients.
Tensor relu_grad(const Tensor& gradients, const Tensor& features);
Tensor relu6(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float alpha = 0.2f);
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor selu(const Tensor& x);
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor softplus(const Tensor& x);
Tensor softsign(const Tensor& x);
Tensor swish(const Tensor& x);

// Clipping.
Tensor clip_by_value(const Tensor& x, const Tensor& clip_min, const Tensor& clip_max);
Tensor clip_by_value(const Tensor& x, double clip_min, double clip_max);

// Casts between numeric dtypes (floats to ints truncate toward zero; to bool: x != 0).
Tensor cast(const Tensor& x, DType dtype);

// Comparisons (bool result) and logic.
Tensor equal(const Tensor& x, const Tensor& y);
Tensor not_equal(const Tensor& x, const Tensor& y);
Tensor less(const Tensor& x, const Tensor& y);
Tensor less_equal(const Tensor& x, const Tensor& y);
Tensor greater(const Tensor& x, const Tensor& y);
Tensor greater_equal(const Tensor& x, const Tensor& y);
Tensor logical_and(const Tensor& x, const Tensor& y);
Tensor logical_or(const Tensor& x, const Tensor& y);
Tensor logical_not(const Tensor& x);

// where(cond, x, y): elements of x where cond is true, else y (all three broadcast together).
Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y);
// where(cond): int64 [num_true, rank] coordinates of the true elements, in row-major order.
Tensor where(const Tensor& condition);

// Operators. A C++ number on either side adopts the tensor's dtype.
Tensor operator+(const Tensor& x, const Tensor& y);
Tensor operator-(const Tensor& x, const Tensor& y);
Tensor operator*(const Tensor& x, const Tensor& y);
Tensor operator/(const Tensor& x, const Tensor& y);
Tensor operator%(const Tensor& x, const Tensor& y);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& x, double y);
Tensor operator-(const Tensor& x, double y);
Tensor operator*(const Tensor& x, double y);
Tensor operator/(const Tensor& x, double y);
Tensor operator%(const Tensor& x, double y);
Tensor operator+(double x, const Tensor& y);
Tensor operator-(double x, const Tensor& y);
Tensor operator*(double x, const Tensor& y);
Tensor operator/(double x, const Tensor& y);
Tensor operator==(const Tensor& x, const Tensor& y);
Tensor operator!=(const Tensor& x, const Tensor& y);
Tensor operator<(const Tensor& x, const Tensor& y);
Tensor operator<=(const Tensor& x, const Tensor& y);
Tensor operator>(const Tensor& x, const Tensor& y);
Tensor operator>=(const Tensor& x, const Tensor& y);
Tensor operator==(const Tensor& x, double y);
Tensor operator!=(const Tensor& x, double y);
Tensor operator<(const Tensor& x, double y);
Tensor operator<=(const Tensor& x, double y);
Tensor operator>(const Tensor& x, double y);
Tensor operator>=(const Tensor& x, double y);
Tensor operator&&(const Tensor& x, const Tensor& y);
Tensor operator||(const Tensor& x, const Tensor& y);
Tensor operator!(const Tensor& x);

}  // namespace tandem
