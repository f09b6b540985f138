// The element types kernels understand. tandem::DType (src/tandem/core/dtype.h) is this enum, so
// the tensor library hands dtypes to kernels unconverted and kernels never include it.
#pragma once

#include <cstdint>

#include "kernels/common/half.h"

namespace tandem::kernels {

enum class ScalarType : uint8_t {
  kFloat32,
  kFloat64,
  kFloat16,
  kBFloat16,
  kInt32,
  kInt64,
  kUInt8,
  kBool,
  kString,
};

// Calls f(T{}) with the C++ type of `t` (bool for kBool). String is not a numeric type: callers
// that can meet it check first.
#define TANDEM_KERNELS_CASE(ENUM, TYPE)     \
  case ::tandem::kernels::ScalarType::ENUM: \
    return f(TYPE{});

template <class F>
decltype(auto) visit_numeric(ScalarType t, F&& f) {
  switch (t) {
    TANDEM_KERNELS_CASE(kFloat32, float)
    TANDEM_KERNELS_CASE(kFloat64, double)
    TANDEM_KERNELS_CASE(kFloat16, Half)
    TANDEM_KERNELS_CASE(kBFloat16, BFloat16)
    TANDEM_KERNELS_CASE(kInt32, int32_t)
    TANDEM_KERNELS_CASE(kInt64, int64_t)
    TANDEM_KERNELS_CASE(kUInt8, uint8_t)
    default:
      return f(bool{});
  }
}

template <class F>
decltype(auto) visit_float(ScalarType t, F&& f) {
  switch (t) {
    TANDEM_KERNELS_CASE(kFloat64, double)
    TANDEM_KERNELS_CASE(kFloat16, Half)
    TANDEM_KERNELS_CASE(kBFloat16, BFloat16)
    default:
      return f(float{});
  }
}

inline bool is_floating(ScalarType t) {
  return t == ScalarType::kFloat32 || t == ScalarType::kFloat64 || t == ScalarType::kFloat16 ||
         t == ScalarType::kBFloat16;
}

}  // namespace tandem::kernels
