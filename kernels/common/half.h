// IEEE binary16 and bfloat16 storage types. Arithmetic is done in float: each kernel converts on
// load and store, so one functor serves every floating dtype on CPU and GPU alike.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/common/macros.h"

namespace tandem::kernels {

TANDEM_INLINE uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

TANDEM_INLINE float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

struct Half {
  uint16_t bits = 0;
  Half() = default;
  TANDEM_HD Half(float f) : bits(from_float(f)) {}  // NOLINT: implicit like a numeric type
  TANDEM_HD operator float() const { return to_float(bits); }

  // Round-to-nearest-even conversion; overflow gives inf, NaN stays NaN.
  static TANDEM_HD uint16_t from_float(float f) {
    uint32_t x = float_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u)
      return static_cast<uint16_t>(sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past 65504
    if (abs < 0x38800000u) {  // subnormal half (or zero)
      if (abs < 0x33000000u) return static_cast<uint16_t>(sign);
      uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
      int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
      uint32_t half_mant = mant >> shift;
      uint32_t rem = mant & ((1u << shift) - 1u);
      uint32_t halfway = 1u << (shift - 1);
      if (rem > halfway || (rem == halfway && (half_mant & 1u))) ++half_mant;
      return static_cast<uint16_t>(sign | half_mant);
    }
    uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15
    uint32_t lsb = (r >> 13) & 1u;
    r += 0xfffu + lsb;
    return static_cast<uint16_t>(sign | (r >> 13));
  }

  static TANDEM_HD float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    if (exp == 0x1fu) return bits_float(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
      if (mant == 0) return bits_float(sign);
      // Subnormal: value = mant * 2^-24.
      float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
      return sign ? -v : v;
    }
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  TANDEM_HD BFloat16(float f) : bits(from_float(f)) {}  // NOLINT: implicit like a numeric type
  TANDEM_HD operator float() const { return bits_float(static_cast<uint32_t>(bits) << 16); }

  static TANDEM_HD uint16_t from_float(float f) {
    uint32_t x = float_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
      return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
    uint32_t lsb = (x >> 16) & 1u;
    return static_cast<uint16_t>((x + 0x7fffu + lsb) >> 16);
  }
};

// The type arithmetic is done in: float for the 16-bit floats, the type itself otherwise.
template <class T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<Half> {
  using type = float;
};
template <>
struct ComputeType<BFloat16> {
  using type = float;
};
template <class T>
using compute_t = typename ComputeType<T>::type;

}  // namespace tandem::kernels
