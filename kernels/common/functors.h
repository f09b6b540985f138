// Element-wise math written once as __host__ __device__ functors. The CPU launcher
// (kernels/cpu/elementwise.cc) and the CUDA launcher (kernels/cuda/elementwise.cu) both apply
// these, so a formula is never written twice. Functors receive values already converted to
// compute_t<T>.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/common/macros.h"

namespace tandem::kernels {

enum class UnaryOp : uint8_t {
  kNeg,
  kAbs,
  kSign,
  kSquare,
  kSqrt,
  kRsqrt,
  kExp,
  kLog,
  kLog1p,
  kSin,
  kCos,
  kTanh,
  kSigmoid,
  kRelu,
  kRelu6,
  kLeakyRelu,
  kElu,
  kSelu,
  kGelu,
  kGeluTanh,
  kSoftplus,
  kSoftsign,
  kSwish,
  kRound,
  kFloor,
  kCeil,
  kLogicalNot,
  kReciprocal,
  kErf,
  kExpm1
};

enum class BinaryOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kPow,
  kMaximum,
  kMinimum,
  kSquaredDifference,
  // Activation gradients in one pass, (a, b) = (incoming gradient, what the derivative reads),
  // as TensorFlow's ReluGrad / Relu6Grad (b = the activation's input) and SigmoidGrad / TanhGrad
  // (b = the activation's output).
  kReluGrad,
  kRelu6Grad,
  kSigmoidGrad,
  kTanhGrad,
  // TensorFlow's EluGrad and SeluGrad, b = the activation's output (ELU with alpha 1).
  kEluGrad,
  kSeluGrad,
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kLogicalAnd,
  kLogicalOr
};

// Comparison and logical ops produce bool whatever their input type.
TANDEM_INLINE bool produces_bool(BinaryOp op) { return op >= BinaryOp::kEqual; }

namespace fmath {
// Float overloads that resolve to the right libm / CUDA math function on host and device alike.
#define TANDEM_FMATH1(NAME)                                  \
  template <class T>                                         \
  TANDEM_INLINE T NAME(T x) {                                \
    if constexpr (std::is_same_v<T, float>) {                \
      return ::NAME##f(x);                                   \
    } else {                                                 \
      return static_cast<T>(::NAME(static_cast<double>(x))); \
    }                                                        \
  }
TANDEM_FMATH1(sqrt)
TANDEM_FMATH1(exp)
TANDEM_FMATH1(log)
TANDEM_FMATH1(log1p)
TANDEM_FMATH1(expm1)
TANDEM_FMATH1(sin)
TANDEM_FMATH1(cos)
TANDEM_FMATH1(tanh)
TANDEM_FMATH1(floor)
TANDEM_FMATH1(ceil)
TANDEM_FMATH1(erf)
TANDEM_FMATH1(rint)
TANDEM_FMATH1(fabs)
#undef TANDEM_FMATH1
template <class T>
TANDEM_INLINE T pow(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    return ::powf(a, b);
  } else {
    return static_cast<T>(::pow(static_cast<double>(a), static_cast<double>(b)));
  }
}
template <class T>
TANDEM_INLINE T fmod(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    return ::fmodf(a, b);
  } else {
    return static_cast<T>(::fmod(static_cast<double>(a), static_cast<double>(b)));
  }
}
}  // namespace fmath

// x < 0 without "pointless comparison" warnings for unsigned types.
template <class T>
TANDEM_INLINE bool is_negative(T x) {
  if constexpr (std::is_unsigned_v<T>) {
    return false;
  } else {
    return x < T(0);
  }
}

// a > b and a < b without the floating-point exception an ordered comparison raises on NaN. GCC
// does not vectorise a mask built from a plain `>` (it may trap) unless -fno-trapping-math: relu's
// one-pass gradient measured 10x slower with it, a branch per element.
template <class T>
TANDEM_INLINE bool quiet_greater(T a, T b) {
#if defined(__CUDA_ARCH__)
  return a > b;
#else
  if constexpr (std::is_floating_point_v<T>) {
    return __builtin_isgreater(a, b);
  } else {
    return a > b;
  }
#endif
}
template <class T>
TANDEM_INLINE bool quiet_less(T a, T b) {
  return quiet_greater(b, a);
}

// A comparison's result as 0 or 1 of type T, through int: GCC vectorises int -> float but not
// bool -> float (the ReLU gradient stayed one element at a time: 12% of a CNN training step).
template <class T>
TANDEM_INLINE T as_mask(bool m) {
  return static_cast<T>(static_cast<int>(m));
}

// Scalar formulas. `alpha` carries the one hyperparameter some activations take.
template <UnaryOp kOp, class T>
TANDEM_INLINE T apply_unary(T x, float alpha) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  if constexpr (kOp == UnaryOp::kNeg) {
    return static_cast<T>(-x);
  } else if constexpr (kOp == UnaryOp::kAbs) {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else
      return x < T(0) ? static_cast<T>(-x) : x;
  } else if constexpr (kOp == UnaryOp::kSign) {
    if constexpr (kFloat) {
      if (x != x) return x;  // sign(NaN) is NaN, as in TensorFlow and NumPy
    }
    return static_cast<T>((T(0) < x) - is_negative(x));
  } else if constexpr (kOp == UnaryOp::kSquare) {
    return static_cast<T>(x * x);
  } else if constexpr (kOp == UnaryOp::kLogicalNot) {
    return static_cast<T>(!x);
  } else if constexpr (kOp == UnaryOp::kRelu) {
    return is_negative(x) ? T(0) : x;  // NaN passes through
  } else if constexpr (kOp == UnaryOp::kRelu6) {
    return is_negative(x) ? T(0) : (x > T(6) ? T(6) : x);
  } else if constexpr (!kFloat) {
    return x;  // the ops layer admits only the integer-valid ops above for integer types
  } else if constexpr (kOp == UnaryOp::kSqrt) {
    return fmath::sqrt(x);
  } else if constexpr (kOp == UnaryOp::kRsqrt) {
    return T(1) / fmath::sqrt(x);
  } else if constexpr (kOp == UnaryOp::kReciprocal) {
    return T(1) / x;
  } else if constexpr (kOp == UnaryOp::kExp) {
    return fmath::exp(x);
  } else if constexpr (kOp == UnaryOp::kExpm1) {
    return fmath::expm1(x);
  } else if constexpr (kOp == UnaryOp::kLog) {
    return fmath::log(x);
  } else if constexpr (kOp == UnaryOp::kLog1p) {
    return fmath::log1p(x);
  } else if constexpr (kOp == UnaryOp::kSin) {
    return fmath::sin(x);
  } else if constexpr (kOp == UnaryOp::kCos) {
    return fmath::cos(x);
  } else if constexpr (kOp == UnaryOp::kTanh) {
    return fmath::tanh(x);
  } else if constexpr (kOp == UnaryOp::kErf) {
    return fmath::erf(x);
  } else if constexpr (kOp == UnaryOp::kSigmoid) {
    // Split by sign so exp never overflows.
    if (x >= T(0)) return T(1) / (T(1) + fmath::exp(-x));
    T e = fmath::exp(x);
    return e / (T(1) + e);
  } else if constexpr (kOp == UnaryOp::kLeakyRelu) {
    return x > T(0) ? x : static_cast<T>(alpha) * x;
  } else if constexpr (kOp == UnaryOp::kElu) {
    return x > T(0) ? x : static_cast<T>(alpha) * fmath::expm1(x);
  } else if constexpr (kOp == UnaryOp::kSelu) {
    constexpr T kAlpha = T(1.6732632423543772848170429916717);
    constexpr T kScale = T(1.0507009873554804934193349852946);
    return x > T(0) ? kScale * x : kScale * kAlpha * fmath::expm1(x);
  } else if constexpr (kOp == UnaryOp::kGelu) {
    return T(0.5) * x * (T(1) + fmath::erf(x * T(0.70710678118654752440)));
  } else if constexpr (kOp == UnaryOp::kGeluTanh) {
    constexpr T kC = T(0.79788456080286535588);  // sqrt(2/pi)
    return T(0.5) * x * (T(1) + fmath::tanh(kC * (x + T(0.044715) * x * x * x)));
  } else if constexpr (kOp == UnaryOp::kSoftplus) {
    // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for large |x|.
    return (x > T(0) ? x : T(0)) + fmath::log1p(fmath::exp(-fmath::fabs(x)));
  } else if constexpr (kOp == UnaryOp::kSoftsign) {
    return x / (T(1) + fmath::fabs(x));
  } else if constexpr (kOp == UnaryOp::kSwish) {
    return x * apply_unary<UnaryOp::kSigmoid>(x, alpha);
  } else if constexpr (kOp == UnaryOp::kRound) {
    return fmath::rint(x);  // half to even, as tf.round
  } else if constexpr (kOp == UnaryOp::kFloor) {
    return fmath::floor(x);
  } else if constexpr (kOp == UnaryOp::kCeil) {
    return fmath::ceil(x);
  }
}

// Integer division by -1 gets its own path: INT_MIN / -1 overflows, and x86 traps (SIGFPE) on it
// and on INT_MIN % -1. The quotient wraps to INT_MIN as two's complement negation does.
template <class T>
TANDEM_INLINE bool is_minus_one(T b) {
  if constexpr (std::is_signed_v<T>)
    return b == T(-1);
  else
    return false;
}
template <class T>
TANDEM_INLINE T wrapping_negate(T a) {
  if constexpr (std::is_signed_v<T> && std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(U(0) - static_cast<U>(a));
  } else {
    return a;
  }
}

template <BinaryOp kOp, class T>
TANDEM_INLINE auto apply_binary(T a, T b) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  if constexpr (kOp == BinaryOp::kAdd) {
    return static_cast<T>(a + b);
  } else if constexpr (kOp == BinaryOp::kSub) {
    return static_cast<T>(a - b);
  } else if constexpr (kOp == BinaryOp::kMul) {
    return static_cast<T>(a * b);
  } else if constexpr (kOp == BinaryOp::kDiv) {
    if constexpr (kFloat) {
      return a / b;
    } else {
      if (b == T(0)) return T(0);  // the ops layer rejects integer division by zero first
      if (is_minus_one(b)) return wrapping_negate(a);
      return static_cast<T>(a / b);
    }
  } else if constexpr (kOp == BinaryOp::kFloorDiv) {
    if constexpr (kFloat) {
      return fmath::floor(a / b);
    } else {
      if (b == T(0)) return T(0);  // the ops layer rejects integer division by zero first
      if (is_minus_one(b)) return wrapping_negate(a);
      T q = static_cast<T>(a / b);
      if constexpr (std::is_signed_v<T>) {
        if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      }
      return q;
    }
  } else if constexpr (kOp == BinaryOp::kMod) {
    // Floor modulo: the result takes the divisor's sign, as tf.math.floormod.
    if constexpr (kFloat) {
      T r = fmath::fmod(a, b);
      if (r != T(0) && ((r < T(0)) != (b < T(0)))) r += b;
      return r;
    } else {
      if (b == T(0) || is_minus_one(b)) return T(0);
      T r = static_cast<T>(a % b);
      if constexpr (std::is_signed_v<T>) {
        if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      }
      return r;
    }
  } else if constexpr (kOp == BinaryOp::kPow) {
    if constexpr (kFloat) {
      return fmath::pow(a, b);
    } else {
      T r = 1;  // integer power by squaring; negative exponents give 0 (1 for a = 1)
      if (is_negative(b)) return static_cast<T>(a == T(1) ? 1 : 0);
      // Overflow wraps around as in TensorFlow; signed products are taken in the unsigned type
      // (signed overflow is undefined behaviour, found by UBSan).
      using W = std::conditional_t<std::is_signed_v<T>, std::make_unsigned<T>, std::common_type<T>>;
      using U = typename W::type;
      for (T e = b; e > T(0); e = static_cast<T>(e >> 1)) {
        if (e & T(1)) r = static_cast<T>(static_cast<U>(r) * static_cast<U>(a));
        a = static_cast<T>(static_cast<U>(a) * static_cast<U>(a));
      }
      return r;
    }
  } else if constexpr (kOp == BinaryOp::kMaximum) {
    return a > b ? a : b;
  } else if constexpr (kOp == BinaryOp::kMinimum) {
    return a < b ? a : b;
  } else if constexpr (kOp == BinaryOp::kSquaredDifference) {
    return static_cast<T>((a - b) * (a - b));
  } else if constexpr (kOp == BinaryOp::kReluGrad) {
    // A product, not a select: a NaN or infinite gradient stays NaN where the mask is 0, as
    // TensorFlow's ReluGrad (gradients * (features > 0)).
    return static_cast<T>(a * as_mask<T>(quiet_greater(b, T(0))));
  } else if constexpr (kOp == BinaryOp::kRelu6Grad) {
    // `&`, not `&&`: no branch.
    return static_cast<T>(a * as_mask<T>(quiet_greater(b, T(0)) & quiet_less(b, T(6))));
  } else if constexpr (kOp == BinaryOp::kSigmoidGrad) {
    return static_cast<T>(a * (b * (T(1) - b)));
  } else if constexpr (kOp == BinaryOp::kTanhGrad) {
    return static_cast<T>(a * (T(1) - b * b));
  } else if constexpr (kOp == BinaryOp::kEluGrad) {
    // y > 0 exactly where x > 0; below, d/dx expm1(x) = y + 1.
    return quiet_greater(b, T(0)) ? a : static_cast<T>(a * (b + T(1)));
  } else if constexpr (kOp == BinaryOp::kSeluGrad) {
    constexpr T kAlpha = T(1.6732632423543772848170429916717);
    constexpr T kScale = T(1.0507009873554804934193349852946);
    return quiet_greater(b, T(0)) ? static_cast<T>(a * kScale)
                                  : static_cast<T>(a * (b + kScale * kAlpha));
  } else if constexpr (kOp == BinaryOp::kEqual) {
    return a == b;
  } else if constexpr (kOp == BinaryOp::kNotEqual) {
    return a != b;
  } else if constexpr (kOp == BinaryOp::kLess) {
    return a < b;
  } else if constexpr (kOp == BinaryOp::kLessEqual) {
    return a <= b;
  } else if constexpr (kOp == BinaryOp::kGreater) {
    return a > b;
  } else if constexpr (kOp == BinaryOp::kGreaterEqual) {
    return a >= b;
  } else if constexpr (kOp == BinaryOp::kLogicalAnd) {
    return static_cast<bool>(a) && static_cast<bool>(b);
  } else if constexpr (kOp == BinaryOp::kLogicalOr) {
    return static_cast<bool>(a) || static_cast<bool>(b);
  }
}

// Calls f(std::integral_constant<UnaryOp, op>{}) so launchers can instantiate per op.
#define TANDEM_UNARY_CASE(OP) \
  case UnaryOp::OP:           \
    return f(std::integral_constant<UnaryOp, UnaryOp::OP>{});
template <class F>
decltype(auto) visit_unary(UnaryOp op, F&& f) {
  // clang-format off
  switch (op) {
    TANDEM_UNARY_CASE(kNeg) TANDEM_UNARY_CASE(kAbs) TANDEM_UNARY_CASE(kSign)
    TANDEM_UNARY_CASE(kSquare) TANDEM_UNARY_CASE(kSqrt) TANDEM_UNARY_CASE(kRsqrt)
    TANDEM_UNARY_CASE(kExp) TANDEM_UNARY_CASE(kLog) TANDEM_UNARY_CASE(kLog1p)
    TANDEM_UNARY_CASE(kSin) TANDEM_UNARY_CASE(kCos) TANDEM_UNARY_CASE(kTanh)
    TANDEM_UNARY_CASE(kSigmoid) TANDEM_UNARY_CASE(kRelu) TANDEM_UNARY_CASE(kRelu6)
    TANDEM_UNARY_CASE(kLeakyRelu) TANDEM_UNARY_CASE(kElu) TANDEM_UNARY_CASE(kSelu)
    TANDEM_UNARY_CASE(kGelu) TANDEM_UNARY_CASE(kGeluTanh) TANDEM_UNARY_CASE(kSoftplus)
    TANDEM_UNARY_CASE(kSoftsign) TANDEM_UNARY_CASE(kSwish) TANDEM_UNARY_CASE(kRound)
    TANDEM_UNARY_CASE(kFloor) TANDEM_UNARY_CASE(kCeil) TANDEM_UNARY_CASE(kLogicalNot)
    TANDEM_UNARY_CASE(kReciprocal) TANDEM_UNARY_CASE(kErf) TANDEM_UNARY_CASE(kExpm1)
  }
  // clang-format on
  return f(std::integral_constant<UnaryOp, UnaryOp::kNeg>{});
}
#undef TANDEM_UNARY_CASE

#define TANDEM_BINARY_CASE(OP) \
  case BinaryOp::OP:           \
    return f(std::integral_constant<BinaryOp, BinaryOp::OP>{});
template <class F>
decltype(auto) visit_binary(BinaryOp op, F&& f) {
  // clang-format off
  switch (op) {
    TANDEM_BINARY_CASE(kAdd) TANDEM_BINARY_CASE(kSub) TANDEM_BINARY_CASE(kMul)
    TANDEM_BINARY_CASE(kDiv) TANDEM_BINARY_CASE(kFloorDiv) TANDEM_BINARY_CASE(kMod)
    TANDEM_BINARY_CASE(kPow) TANDEM_BINARY_CASE(kMaximum) TANDEM_BINARY_CASE(kMinimum)
    TANDEM_BINARY_CASE(kSquaredDifference) TANDEM_BINARY_CASE(kReluGrad)
    TANDEM_BINARY_CASE(kRelu6Grad) TANDEM_BINARY_CASE(kSigmoidGrad) TANDEM_BINARY_CASE(kTanhGrad)
        TANDEM_BINARY_CASE(kEluGrad) TANDEM_BINARY_CASE(kSeluGrad)
    TANDEM_BINARY_CASE(kEqual) TANDEM_BINARY_CASE(kNotEqual)
    TANDEM_BINARY_CASE(kLess) TANDEM_BINARY_CASE(kLessEqual) TANDEM_BINARY_CASE(kGreater)
    TANDEM_BINARY_CASE(kGreaterEqual) TANDEM_BINARY_CASE(kLogicalAnd) TANDEM_BINARY_CASE(kLogicalOr)
  }
  // clang-format on
  return f(std::integral_constant<BinaryOp, BinaryOp::kAdd>{});
}
#undef TANDEM_BINARY_CASE

// Shapes and element strides of a broadcast binary op, output-aligned (stride 0 = broadcast).
constexpr int kMaxDims = 8;
struct BroadcastSpec {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t a_stride[kMaxDims] = {};
  int64_t b_stride[kMaxDims] = {};
};

}  // namespace tandem::kernels
