// Element types (DESIGN section 2). DType is kernels::ScalarType: the tensor library and the
// kernels share one enum, so a tensor's dtype goes to a kernel as it is.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "kernels/common/half.h"
#include "kernels/common/scalar_type.h"

namespace tandem {

using DType = kernels::ScalarType;

// TensorFlow-style names: tandem::float32, tandem::int64, ...
inline constexpr DType float32 = DType::kFloat32;
inline constexpr DType float64 = DType::kFloat64;
inline constexpr DType float16 = DType::kFloat16;
inline constexpr DType bfloat16 = DType::kBFloat16;
inline constexpr DType int32 = DType::kInt32;
inline constexpr DType int64 = DType::kInt64;
inline constexpr DType uint8 = DType::kUInt8;
inline constexpr DType bool_ = DType::kBool;
inline constexpr DType string = DType::kString;

// C++ element types of the 16-bit floats.
using Half = kernels::Half;
using BFloat16 = kernels::BFloat16;

// "float32", "int64", ... as TensorFlow prints them.
const char* dtype_name(DType t);
// Parses a TensorFlow dtype name; throws ValueError for an unknown one.
DType dtype_from_name(const std::string& name);
// Bytes per element (sizeof(std::string) for kString).
size_t dtype_size(DType t);
using kernels::is_floating;  // float16, bfloat16, float32, float64
bool is_integer(DType t);    // int32, int64, uint8

// The DType of a C++ element type.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>)
    return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::kFloat64;
  else if constexpr (std::is_same_v<T, Half>)
    return DType::kFloat16;
  else if constexpr (std::is_same_v<T, BFloat16>)
    return DType::kBFloat16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return DType::kInt32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return DType::kInt64;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return DType::kUInt8;
  else if constexpr (std::is_same_v<T, bool>)
    return DType::kBool;
  else if constexpr (std::is_same_v<T, std::string>)
    return DType::kString;
  else
    static_assert(sizeof(T) == 0, "no Tandem dtype for this C++ type");
}

}  // namespace tandem
