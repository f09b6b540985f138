#include "tandem/core/dtype.h"

#include "tandem/core/error.h"

namespace tandem {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32:
      return "float32";
    case DType::kFloat64:
      return "float64";
    case DType::kFloat16:
      return "float16";
    case DType::kBFloat16:
      return "bfloat16";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kUInt8:
      return "uint8";
    case DType::kBool:
      return "bool";
    case DType::kString:
      return "string";
  }
  return "unknown";
}

DType dtype_from_name(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(DType::kString); ++i) {
    auto t = static_cast<DType>(i);
    if (name == dtype_name(t)) return t;
  }
  if (name == "float") return DType::kFloat32;
  if (name == "double") return DType::kFloat64;
  if (name == "half") return DType::kFloat16;
  throw ValueError("unknown dtype '" + name +
                   "': expected one of float32, float64, float16, bfloat16, int32, int64, uint8, "
                   "bool, string");
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kFloat64:
    case DType::kInt64:
      return 8;
    case DType::kFloat16:
    case DType::kBFloat16:
      return 2;
    case DType::kUInt8:
    case DType::kBool:
      return 1;
    case DType::kString:
      return sizeof(std::string);
  }
  return 0;
}

bool is_integer(DType t) { return t == DType::kInt32 || t == DType::kInt64 || t == DType::kUInt8; }

}  // namespace tandem
