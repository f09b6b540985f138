#include "tandem/ops/math.h"

#include <cmath>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"

namespace tandem {

using kernels::BinaryOp;
using kernels::UnaryOp;
using ops::scalar_like;

namespace {

// Gradient formulas receive the input x, the output y and the incoming gradient dy, and are written
// with differentiable ops so nested tapes can take higher-order gradients.
using UnaryGrad = Tensor (*)(const Tensor& x, const Tensor& y, const Tensor& dy, float alpha);

// Which tensors a gradient formula reads besides the incoming gradient, named as its parameters
// (unary: x input, y output; binary: x, y inputs, z output). Each formula declares it next to its
// body; the tape then keeps only those alive until backward, and the formula receives the others
// undefined. Shapes for un-broadcasting are always kept.
enum Reads : unsigned { kReadsNone = 0, kReadsX = 1, kReadsY = 2, kReadsZ = 4 };
constexpr Reads operator|(Reads a, Reads b) { return Reads(unsigned(a) | unsigned(b)); }

// `t` when the formula reads it, else an undefined tensor (so the closure does not keep it).
Tensor kept(Reads reads, Reads which, const Tensor& t) { return reads & which ? t : Tensor(); }

enum class Domain { kFloat, kSigned, kNumeric, kBool, kAny };

void check_domain(const char* name, const Tensor& x, Domain domain) {
  ops::check_numeric(name, x);
  switch (domain) {
    case Domain::kFloat:
      ops::check_floating(name, x);
      break;
    case Domain::kSigned:
      TANDEM_CHECK(x.dtype() != DType::kBool && x.dtype() != DType::kUInt8, TypeError, name,
                   ": expected a signed numeric tensor, received ", dtype_name(x.dtype()));
      break;
    case Domain::kNumeric:
      TANDEM_CHECK(x.dtype() != DType::kBool, TypeError, name,
                   ": expected a numeric tensor, received dtype bool");
      break;
    case Domain::kAny:
      break;
    case Domain::kBool:
      TANDEM_CHECK(x.dtype() == DType::kBool, TypeError, name,
                   ": expected a bool tensor, received ", dtype_name(x.dtype()));
      break;
  }
}

Tensor unary_op(const char* name, UnaryOp op, const Tensor& x, Domain domain, Reads reads,
                UnaryGrad grad, float alpha = 0.f) {
  check_domain(name, x, domain);
  Tensor y = ops::dispatch::unary(name, op, x, alpha);
  if (grad && is_floating(x.dtype()) && autodiff::should_record({x})) {
    autodiff::record_operation(name, {x}, {y},
                               [x = kept(reads, kReadsX, x), y = kept(reads, kReadsY, y), grad,
                                alpha](const std::vector<Tensor>& g) -> autodiff::GradList {
                                 return {grad(x, y, g[0], alpha)};
                               });
  }
  return y;
}

// A unary op without a gradient (rounding, logic).
Tensor unary_op(const char* name, UnaryOp op, const Tensor& x, Domain domain) {
  return unary_op(name, op, x, domain, kReadsNone, nullptr);
}

// Gradient of a binary op before un-broadcasting: (d/dx, d/dy), either may be undefined.
using BinaryGrad = std::pair<Tensor, Tensor> (*)(const Tensor& x, const Tensor& y, const Tensor& z,
                                                 const Tensor& dz);

Tensor binary_op(const char* name, BinaryOp op, const Tensor& x, const Tensor& y, Domain domain,
                 Reads reads, BinaryGrad grad) {
  ops::check_same_dtype(name, x, y);
  check_domain(name, x, domain);
  ops::check_same_device(name, {&x, &y});
  Shape shape = ops::broadcast_shapes(name, x.shape(), y.shape());
  Tensor z = ops::dispatch::binary(name, op, x, y, shape);
  if (grad && is_floating(x.dtype()) && autodiff::should_record({x, y})) {
    autodiff::record_operation(
        name, {x, y}, {z},
        [x = kept(reads, kReadsX, x), y = kept(reads, kReadsY, y), z = kept(reads, kReadsZ, z),
         x_shape = x.shape(), y_shape = y.shape(),
         grad](const std::vector<Tensor>& g) -> autodiff::GradList {
          auto [gx, gy] = grad(x, y, z, g[0]);
          autodiff::GradList out(2);
          if (gx.defined()) out[0] = ops::unbroadcast(gx, x_shape);
          if (gy.defined()) out[1] = ops::unbroadcast(gy, y_shape);
          return out;
        });
  }
  return z;
}

// A binary op without a gradient (comparisons, logic, floordiv).
Tensor binary_op(const char* name, BinaryOp op, const Tensor& x, const Tensor& y, Domain domain) {
  return binary_op(name, op, x, y, domain, kReadsNone, nullptr);
}

Tensor mask(const Tensor& cond, const Tensor& like) { return cast(cond, like.dtype()); }

// Whether any element of the bool tensor b is true. The reduce kernel directly, not reduce_any:
// the reductions are built on this file's ops, so this file does not call them.
bool any_true(const char* name, const Tensor& b) {
  Tensor flag =
      ops::dispatch::reduce(name, kernels::ReduceOp::kAny, b, 1, b.num_elements(), 1, Shape{});
  return flag.item<bool>();
}

// Integer kernels cannot represent x / 0; TensorFlow reports it instead of returning garbage.
void check_integer_divisor(const char* name, const Tensor& y) {
  if (!is_integer(y.dtype())) return;
  TANDEM_CHECK(!any_true(name, equal(y, scalar_like(0, y))), ValueError, name,
               ": integer division by zero");
}

// The gradient of a cheap activation in one kernel pass, dy * f'(b), where b is what the
// derivative reads (the input for relu / relu6, the output for sigmoid / tanh). Itself an op with a
// gradient, so higher-order gradients still flow.
Tensor activation_grad(const char* name, BinaryOp op, const Tensor& dy, const Tensor& b);

}  // namespace

// ---- binary arithmetic ----

Tensor add(const Tensor& x, const Tensor& y) {
  return binary_op("add", BinaryOp::kAdd, x, y, Domain::kNumeric, kReadsNone,
                   [](const Tensor&, const Tensor&, const Tensor&, const Tensor& dz) {
                     return std::pair{dz, dz};
                   });
}

Tensor subtract(const Tensor& x, const Tensor& y) {
  return binary_op("subtract", BinaryOp::kSub, x, y, Domain::kNumeric, kReadsNone,
                   [](const Tensor&, const Tensor&, const Tensor&, const Tensor& dz) {
                     return std::pair{dz, negative(dz)};
                   });
}

Tensor multiply(const Tensor& x, const Tensor& y) {
  return binary_op("multiply", BinaryOp::kMul, x, y, Domain::kNumeric, kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     return std::pair{multiply(dz, y), multiply(dz, x)};
                   });
}

Tensor divide(const Tensor& x, const Tensor& y) {
  ops::check_same_dtype("divide", x, y);
  check_integer_divisor("divide", y);
  return binary_op("divide", BinaryOp::kDiv, x, y, Domain::kNumeric, kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     return std::pair{divide(dz, y), negative(divide(multiply(dz, x), square(y)))};
                   });
}

Tensor floordiv(const Tensor& x, const Tensor& y) {
  ops::check_same_dtype("floordiv", x, y);
  check_integer_divisor("floordiv", y);
  return binary_op("floordiv", BinaryOp::kFloorDiv, x, y, Domain::kNumeric);
}

Tensor mod(const Tensor& x, const Tensor& y) {
  ops::check_same_dtype("mod", x, y);
  check_integer_divisor("mod", y);
  return binary_op("mod", BinaryOp::kMod, x, y, Domain::kNumeric, kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     return std::pair{dz, negative(multiply(dz, floor(divide(x, y))))};
                   });
}

Tensor pow(const Tensor& x, const Tensor& y) {
  ops::check_same_dtype("pow", x, y);
  // x^-n is a fraction no integer can hold; TensorFlow rejects it rather than returning 0.
  TANDEM_CHECK(!is_integer(y.dtype()) || !any_true("pow", less(y, scalar_like(0, y))), ValueError,
               "pow: integers to negative integer powers are not allowed");
  return binary_op("pow", BinaryOp::kPow, x, y, Domain::kNumeric, kReadsX | kReadsY | kReadsZ,
                   [](const Tensor& x, const Tensor& y, const Tensor& z, const Tensor& dz) {
                     Tensor gx = multiply(dz, multiply(y, pow(x, subtract(y, scalar_like(1, y)))));
                     // d/dy x^y = x^y log x, taken as 0 where x <= 0 (as TensorFlow does).
                     Tensor positive = greater(x, scalar_like(0, x));
                     Tensor safe_x = where(positive, x, ones_like(x));
                     Tensor gy =
                         multiply(dz, multiply(z, where(positive, log(safe_x), zeros_like(x))));
                     return std::pair{gx, gy};
                   });
}

Tensor maximum(const Tensor& x, const Tensor& y) {
  return binary_op("maximum", BinaryOp::kMaximum, x, y, Domain::kNumeric, kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     Tensor pick_x = greater_equal(x, y);
                     return std::pair{multiply(dz, mask(pick_x, dz)),
                                      multiply(dz, mask(logical_not(pick_x), dz))};
                   });
}

Tensor minimum(const Tensor& x, const Tensor& y) {
  return binary_op("minimum", BinaryOp::kMinimum, x, y, Domain::kNumeric, kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     Tensor pick_x = less_equal(x, y);
                     return std::pair{multiply(dz, mask(pick_x, dz)),
                                      multiply(dz, mask(logical_not(pick_x), dz))};
                   });
}

Tensor squared_difference(const Tensor& x, const Tensor& y) {
  return binary_op("squared_difference", BinaryOp::kSquaredDifference, x, y, Domain::kNumeric,
                   kReadsX | kReadsY,
                   [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor& dz) {
                     Tensor g = multiply(dz, multiply(scalar_like(2, x), subtract(x, y)));
                     return std::pair{g, negative(g)};
                   });
}

// ---- unary math ----

Tensor negative(const Tensor& x) {
  return unary_op(
      "negative", UnaryOp::kNeg, x, Domain::kSigned, kReadsNone,
      [](const Tensor&, const Tensor&, const Tensor& dy, float) { return negative(dy); });
}

Tensor abs(const Tensor& x) {
  return unary_op("abs", UnaryOp::kAbs, x, Domain::kNumeric, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return multiply(dy, sign(x));
                  });
}

Tensor sign(const Tensor& x) {
  return unary_op(
      "sign", UnaryOp::kSign, x, Domain::kNumeric, kReadsNone,
      [](const Tensor&, const Tensor&, const Tensor& dy, float) { return zeros_like(dy); });
}

Tensor square(const Tensor& x) {
  return unary_op("square", UnaryOp::kSquare, x, Domain::kNumeric, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return multiply(dy, multiply(scalar_like(2, x), x));
                  });
}

Tensor sqrt(const Tensor& x) {
  return unary_op("sqrt", UnaryOp::kSqrt, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return divide(multiply(dy, scalar_like(0.5, y)), y);
                  });
}

Tensor rsqrt(const Tensor& x) {
  return unary_op("rsqrt", UnaryOp::kRsqrt, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return multiply(dy, multiply(scalar_like(-0.5, y), multiply(y, square(y))));
                  });
}

Tensor reciprocal(const Tensor& x) {
  return unary_op("reciprocal", UnaryOp::kReciprocal, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return negative(multiply(dy, square(y)));
                  });
}

Tensor exp(const Tensor& x) {
  return unary_op(
      "exp", UnaryOp::kExp, x, Domain::kFloat, kReadsY,
      [](const Tensor&, const Tensor& y, const Tensor& dy, float) { return multiply(dy, y); });
}

Tensor expm1(const Tensor& x) {
  return unary_op("expm1", UnaryOp::kExpm1, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return multiply(dy, add(y, scalar_like(1, y)));
                  });
}

Tensor log(const Tensor& x) {
  return unary_op(
      "log", UnaryOp::kLog, x, Domain::kFloat, kReadsX,
      [](const Tensor& x, const Tensor&, const Tensor& dy, float) { return divide(dy, x); });
}

Tensor log1p(const Tensor& x) {
  return unary_op("log1p", UnaryOp::kLog1p, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return divide(dy, add(x, scalar_like(1, x)));
                  });
}

Tensor sin(const Tensor& x) {
  return unary_op(
      "sin", UnaryOp::kSin, x, Domain::kFloat, kReadsX,
      [](const Tensor& x, const Tensor&, const Tensor& dy, float) { return multiply(dy, cos(x)); });
}

Tensor cos(const Tensor& x) {
  return unary_op("cos", UnaryOp::kCos, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return negative(multiply(dy, sin(x)));
                  });
}

Tensor tanh(const Tensor& x) {
  return unary_op("tanh", UnaryOp::kTanh, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return activation_grad("tanh_grad", BinaryOp::kTanhGrad, dy, y);
                  });
}

Tensor erf(const Tensor& x) {
  return unary_op("erf", UnaryOp::kErf, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return multiply(
                        dy, multiply(scalar_like(1.1283791670955126, x), exp(negative(square(x)))));
                  });
}

Tensor round(const Tensor& x) { return unary_op("round", UnaryOp::kRound, x, Domain::kFloat); }
Tensor floor(const Tensor& x) { return unary_op("floor", UnaryOp::kFloor, x, Domain::kFloat); }
Tensor ceil(const Tensor& x) { return unary_op("ceil", UnaryOp::kCeil, x, Domain::kFloat); }

// ---- activation gradients (see activation_grad's declaration) ----

namespace {

// d/d(dy) of dy * f'(b) is f'(b) again (the same op on the incoming dz); d/db is f''(b) * dy * dz,
// zero for relu and relu6 (piecewise constant derivatives).
std::pair<Tensor, Tensor> activation_grad_grad(BinaryOp op, const Tensor& dy, const Tensor& b,
                                               const Tensor& dz) {
  switch (op) {
    case BinaryOp::kSigmoidGrad:  // f' = b (1 - b), f'' = 1 - 2b
      return {
          activation_grad("sigmoid_grad", op, dz, b),
          multiply(multiply(dz, dy), subtract(scalar_like(1, b), multiply(scalar_like(2, b), b)))};
    case BinaryOp::kTanhGrad:  // f' = 1 - b^2, f'' = -2b
      return {activation_grad("tanh_grad", op, dz, b),
              multiply(multiply(dz, dy), multiply(scalar_like(-2, b), b))};
    case BinaryOp::kRelu6Grad:
      return {activation_grad("relu6_grad", op, dz, b), Tensor()};
    case BinaryOp::kEluGrad:   // below 0: f' = b + 1, d/db = dy
    case BinaryOp::kSeluGrad:  // below 0: f' = b + scale alpha, d/db = dy
      return {activation_grad(op == BinaryOp::kEluGrad ? "elu_grad" : "selu_grad", op, dz, b),
              multiply(multiply(dz, dy), mask(less_equal(b, scalar_like(0, b)), b))};
    default:
      return {activation_grad("relu_grad", op, dz, b), Tensor()};
  }
}

Tensor activation_grad(const char* name, BinaryOp op, const Tensor& dy, const Tensor& b) {
  ops::check_same_dtype(name, dy, b);
  Tensor z =
      ops::dispatch::binary(name, op, dy, b, ops::broadcast_shapes(name, dy.shape(), b.shape()));
  if (autodiff::should_record({dy, b})) {
    // dy is needed again only where f'' is not zero (sigmoid, tanh, elu, selu).
    const bool smooth = op == BinaryOp::kSigmoidGrad || op == BinaryOp::kTanhGrad ||
                        op == BinaryOp::kEluGrad || op == BinaryOp::kSeluGrad;
    autodiff::record_operation(
        name, {dy, b}, {z},
        [op, dy = smooth ? dy : Tensor(), b](const std::vector<Tensor>& g) -> autodiff::GradList {
          auto [g_dy, g_b] = activation_grad_grad(op, dy, b, g[0]);
          autodiff::GradList out(2);
          out[0] = g_dy;
          if (g_b.defined()) out[1] = g_b;
          return out;
        });
  }
  return z;
}

}  // namespace

// ---- activations ----

Tensor sigmoid(const Tensor& x) {
  return unary_op("sigmoid", UnaryOp::kSigmoid, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return activation_grad("sigmoid_grad", BinaryOp::kSigmoidGrad, dy, y);
                  });
}

Tensor relu(const Tensor& x) {
  return unary_op(
      "relu", UnaryOp::kRelu, x, Domain::kNumeric, kReadsY,
      // y > 0 exactly where x > 0: the output, which the next op keeps anyway, is
      // enough.
      [](const Tensor&, const Tensor& y, const Tensor& dy, float) { return relu_grad(dy, y); });
}

Tensor relu_grad(const Tensor& gradients, const Tensor& features) {
  return activation_grad("relu_grad", BinaryOp::kReluGrad, gradients, features);
}

Tensor relu6(const Tensor& x) {
  return unary_op("relu6", UnaryOp::kRelu6, x, Domain::kNumeric, kReadsY,
                  // 0 < y < 6 exactly where 0 < x < 6.
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return activation_grad("relu6_grad", BinaryOp::kRelu6Grad, dy, y);
                  });
}

Tensor leaky_relu(const Tensor& x, float alpha) {
  return unary_op(
      "leaky_relu", UnaryOp::kLeakyRelu, x, Domain::kFloat, kReadsX,
      [](const Tensor& x, const Tensor&, const Tensor& dy, float alpha) {
        return multiply(
            dy, where(greater(x, scalar_like(0, x)), scalar_like(1, x), scalar_like(alpha, x)));
      },
      alpha);
}

Tensor elu(const Tensor& x, float alpha) {
  if (alpha == 1.0f) {
    // TensorFlow's Elu: the gradient in one pass from the output alone.
    return unary_op(
        "elu", UnaryOp::kElu, x, Domain::kFloat, kReadsY,
        [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
          return activation_grad("elu_grad", BinaryOp::kEluGrad, dy, y);
        },
        alpha);
  }
  // Keras's elu with another alpha: composed (y > 0 where x > 0 only for a positive alpha).
  return unary_op(
      "elu", UnaryOp::kElu, x, Domain::kFloat, kReadsX | kReadsY,
      [](const Tensor& x, const Tensor& y, const Tensor& dy, float alpha) {
        return where(greater(x, scalar_like(0, x)), dy,
                     multiply(dy, add(y, scalar_like(alpha, y))));
      },
      alpha);
}

Tensor selu(const Tensor& x) {
  return unary_op("selu", UnaryOp::kSelu, x, Domain::kFloat, kReadsY,
                  [](const Tensor&, const Tensor& y, const Tensor& dy, float) {
                    return activation_grad("selu_grad", BinaryOp::kSeluGrad, dy, y);
                  });
}

Tensor gelu(const Tensor& x, bool approximate) {
  if (approximate) {
    return unary_op(
        "gelu", UnaryOp::kGeluTanh, x, Domain::kFloat, kReadsX,
        [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
          constexpr double kC = 0.79788456080286535588, kA = 0.044715;
          Tensor x2 = square(x);
          Tensor t = tanh(
              multiply(scalar_like(kC, x), add(x, multiply(scalar_like(kA, x), multiply(x2, x)))));
          Tensor half_one_plus_t = multiply(scalar_like(0.5, x), add(scalar_like(1, x), t));
          Tensor dt =
              multiply(subtract(scalar_like(1, x), square(t)),
                       multiply(scalar_like(kC, x),
                                add(scalar_like(1, x), multiply(scalar_like(3 * kA, x), x2))));
          return multiply(dy, add(half_one_plus_t, multiply(multiply(scalar_like(0.5, x), x), dt)));
        });
  }
  return unary_op(
      "gelu", UnaryOp::kGelu, x, Domain::kFloat, kReadsX,
      [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
        Tensor cdf = multiply(
            scalar_like(0.5, x),
            add(scalar_like(1, x), erf(multiply(x, scalar_like(0.70710678118654752440, x)))));
        Tensor pdf = multiply(scalar_like(0.39894228040143267794, x),
                              exp(multiply(scalar_like(-0.5, x), square(x))));
        return multiply(dy, add(cdf, multiply(x, pdf)));
      });
}

Tensor softplus(const Tensor& x) {
  return unary_op("softplus", UnaryOp::kSoftplus, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return multiply(dy, sigmoid(x));
                  });
}

Tensor softsign(const Tensor& x) {
  return unary_op("softsign", UnaryOp::kSoftsign, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    return divide(dy, square(add(scalar_like(1, x), abs(x))));
                  });
}

Tensor swish(const Tensor& x) {
  return unary_op("swish", UnaryOp::kSwish, x, Domain::kFloat, kReadsX,
                  [](const Tensor& x, const Tensor&, const Tensor& dy, float) {
                    Tensor s = sigmoid(x);
                    return multiply(
                        dy, add(s, multiply(x, multiply(s, subtract(scalar_like(1, s), s)))));
                  });
}

// ---- clipping ----

Tensor clip_by_value(const Tensor& x, const Tensor& clip_min, const Tensor& clip_max) {
  ops::check_same_dtype("clip_by_value", x, clip_min);
  ops::check_same_dtype("clip_by_value", x, clip_max);
  return minimum(maximum(x, clip_min), clip_max);
}

Tensor clip_by_value(const Tensor& x, double clip_min, double clip_max) {
  ops::check_defined("clip_by_value", x);
  TANDEM_CHECK(clip_min <= clip_max, ValueError,
               "clip_by_value: expected clip_min <= clip_max, received ", clip_min, " > ",
               clip_max);
  return clip_by_value(x, scalar_like(clip_min, x), scalar_like(clip_max, x));
}

// ---- cast ----

Tensor cast(const Tensor& x, DType dtype) {
  ops::check_numeric("cast", x);
  TANDEM_CHECK(dtype != DType::kString, TypeError, "cast: cannot cast ", dtype_name(x.dtype()),
               " to string");
  if (x.dtype() == dtype) return x;
  Tensor y = ops::dispatch::cast(x, dtype);
  if (is_floating(x.dtype()) && is_floating(dtype) && autodiff::should_record({x})) {
    DType from = x.dtype();
    autodiff::record_operation(
        "cast", {x}, {y},
        [from](const std::vector<Tensor>& g) -> autodiff::GradList { return {cast(g[0], from)}; });
  }
  return y;
}

// ---- comparisons and logic ----

Tensor equal(const Tensor& x, const Tensor& y) {
  return binary_op("equal", BinaryOp::kEqual, x, y, Domain::kAny);
}
Tensor not_equal(const Tensor& x, const Tensor& y) {
  return binary_op("not_equal", BinaryOp::kNotEqual, x, y, Domain::kAny);
}
Tensor less(const Tensor& x, const Tensor& y) {
  return binary_op("less", BinaryOp::kLess, x, y, Domain::kNumeric);
}
Tensor less_equal(const Tensor& x, const Tensor& y) {
  return binary_op("less_equal", BinaryOp::kLessEqual, x, y, Domain::kNumeric);
}
Tensor greater(const Tensor& x, const Tensor& y) {
  return binary_op("greater", BinaryOp::kGreater, x, y, Domain::kNumeric);
}
Tensor greater_equal(const Tensor& x, const Tensor& y) {
  return binary_op("greater_equal", BinaryOp::kGreaterEqual, x, y, Domain::kNumeric);
}
Tensor logical_and(const Tensor& x, const Tensor& y) {
  return binary_op("logical_and", BinaryOp::kLogicalAnd, x, y, Domain::kBool);
}
Tensor logical_or(const Tensor& x, const Tensor& y) {
  return binary_op("logical_or", BinaryOp::kLogicalOr, x, y, Domain::kBool);
}
Tensor logical_not(const Tensor& x) {
  return unary_op("logical_not", UnaryOp::kLogicalNot, x, Domain::kBool);
}

Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y) {
  ops::check_defined("where", condition, "condition");
  TANDEM_CHECK(condition.dtype() == DType::kBool, TypeError,
               "where: expected condition of dtype bool, received ", dtype_name(condition.dtype()));
  ops::check_same_dtype("where", x, y);
  ops::check_numeric("where", x);
  ops::check_same_device("where", {&condition, &x, &y});
  Shape xy = ops::broadcast_shapes("where", x.shape(), y.shape());
  Shape shape = ops::broadcast_shapes("where", condition.shape(), xy);
  Tensor out = ops::dispatch::select(condition, x, y, shape);
  if (is_floating(x.dtype()) && autodiff::should_record({x, y})) {
    autodiff::record_operation(
        "where", {condition, x, y}, {out},
        [condition, x_shape = x.shape(),
         y_shape = y.shape()](const std::vector<Tensor>& g) -> autodiff::GradList {
          Tensor zero = zeros_like(g[0]);
          return {std::nullopt, ops::unbroadcast(where(condition, g[0], zero), x_shape),
                  ops::unbroadcast(where(condition, zero, g[0]), y_shape)};
        });
  }
  return out;
}

Tensor where(const Tensor& condition) {
  ops::check_defined("where", condition, "condition");
  TANDEM_CHECK(condition.dtype() == DType::kBool, TypeError,
               "where: expected condition of dtype bool, received ", dtype_name(condition.dtype()));
  Tensor host = condition.cpu();
  const bool* c = host.data<bool>();
  int r = host.rank();
  std::vector<int64_t> coords;
  std::vector<int64_t> strides = host.shape().strides();
  int64_t n = host.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    if (!c[i]) continue;
    for (int d = 0; d < r; ++d) coords.push_back(i / strides[d] % host.shape()[d]);
  }
  int64_t count = r == 0 ? (n > 0 && c[0] ? 1 : 0) : static_cast<int64_t>(coords.size()) / r;
  return Tensor::from_vector(coords, Shape{count, r}, condition.device());
}

// ---- operators ----

namespace {
// A C++ number joining a tensor op adopts the tensor's dtype. Like TensorFlow, refuse a number that
// dtype cannot hold instead of truncating it: `x < 2.5` on int32 must not silently compare with 2.
Tensor number_like(const char* op, double value, const Tensor& like) {
  ops::check_numeric(op, like);
  DType t = like.dtype();
  if (!is_floating(t)) {
    // [lo, end): 2^31 and 2^63 are exact doubles, their predecessors are not.
    double lo = t == DType::kInt32 ? -0x1p31 : t == DType::kInt64 ? -0x1p63 : 0;
    double end = t == DType::kInt32   ? 0x1p31
                 : t == DType::kInt64 ? 0x1p63
                 : t == DType::kUInt8 ? 256
                                      : 2;
    TANDEM_CHECK(value == std::trunc(value) && value >= lo && value < end, TypeError, op,
                 ": cannot convert ", value, " to dtype ", dtype_name(t),
                 " (a number adopts the tensor's dtype; cast the tensor first)");
  }
  return scalar_like(value, like);
}
}  // namespace

Tensor operator+(const Tensor& x, const Tensor& y) { return add(x, y); }
Tensor operator-(const Tensor& x, const Tensor& y) { return subtract(x, y); }
Tensor operator*(const Tensor& x, const Tensor& y) { return multiply(x, y); }
Tensor operator/(const Tensor& x, const Tensor& y) { return divide(x, y); }
Tensor operator%(const Tensor& x, const Tensor& y) { return mod(x, y); }
Tensor operator-(const Tensor& x) { return negative(x); }
Tensor operator+(const Tensor& x, double y) { return add(x, number_like("add", y, x)); }
Tensor operator-(const Tensor& x, double y) { return subtract(x, number_like("subtract", y, x)); }
Tensor operator*(const Tensor& x, double y) { return multiply(x, number_like("multiply", y, x)); }
Tensor operator/(const Tensor& x, double y) { return divide(x, number_like("divide", y, x)); }
Tensor operator%(const Tensor& x, double y) { return mod(x, number_like("mod", y, x)); }
Tensor operator+(double x, const Tensor& y) { return add(number_like("add", x, y), y); }
Tensor operator-(double x, const Tensor& y) { return subtract(number_like("subtract", x, y), y); }
Tensor operator*(double x, const Tensor& y) { return multiply(number_like("multiply", x, y), y); }
Tensor operator/(double x, const Tensor& y) { return divide(number_like("divide", x, y), y); }
Tensor operator==(const Tensor& x, const Tensor& y) { return equal(x, y); }
Tensor operator!=(const Tensor& x, const Tensor& y) { return not_equal(x, y); }
Tensor operator<(const Tensor& x, const Tensor& y) { return less(x, y); }
Tensor operator<=(const Tensor& x, const Tensor& y) { return less_equal(x, y); }
Tensor operator>(const Tensor& x, const Tensor& y) { return greater(x, y); }
Tensor operator>=(const Tensor& x, const Tensor& y) { return greater_equal(x, y); }
Tensor operator==(const Tensor& x, double y) { return equal(x, number_like("equal", y, x)); }
Tensor operator!=(const Tensor& x, double y) {
  return not_equal(x, number_like("not_equal", y, x));
}
Tensor operator<(const Tensor& x, double y) { return less(x, number_like("less", y, x)); }
Tensor operator<=(const Tensor& x, double y) {
  return less_equal(x, number_like("less_equal", y, x));
}
Tensor operator>(const Tensor& x, double y) { return greater(x, number_like("greater", y, x)); }
Tensor operator>=(const Tensor& x, double y) {
  return greater_equal(x, number_like("greater_equal", y, x));
}
Tensor operator&&(const Tensor& x, const Tensor& y) { return logical_and(x, y); }
Tensor operator||(const Tensor& x, const Tensor& y) { return logical_or(x, y); }
Tensor operator!(const Tensor& x) { return logical_not(x); }

Tensor add_n(const std::vector<Tensor>& inputs) {
  TANDEM_CHECK(!inputs.empty(), ValueError, "add_n: expected at least one tensor, received none");
  for (size_t i = 0; i < inputs.size(); ++i) {
    ops::check_defined("add_n", inputs[i], "inputs");
    TANDEM_CHECK(inputs[i].shape() == inputs[0].shape(), ShapeError,
                 "add_n: expected every input of shape ", inputs[0].shape().to_list_string(),
                 ", received ", inputs[i].shape().to_list_string(), " for input ", i);
    TANDEM_CHECK(inputs[i].dtype() == inputs[0].dtype(), TypeError,
                 "add_n: expected every input of dtype ", dtype_name(inputs[0].dtype()),
                 ", received ", dtype_name(inputs[i].dtype()), " for input ", i);
  }
  // A chain of adds: each input's gradient is the upstream gradient, as tf.add_n's.
  Tensor sum = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) sum = add(sum, inputs[i]);
  return sum;  // one input: the tensor itself (tensors are immutable values)
}

}  // namespace tandem
