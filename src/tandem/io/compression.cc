#include "tandem/io/compression.h"

#include <algorithm>
#include <cctype>

#include "tandem/core/error.h"

namespace tandem::io {

CompressionType compression_type_from_string(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper.empty() || upper == "NONE") return CompressionType::kNone;
  if (upper == "GZIP") return CompressionType::kGzip;
  if (upper == "ZLIB") return CompressionType::kZlib;
  throw ValueError("compression_type: expected \"\", \"GZIP\" or \"ZLIB\", received \"" + name +
                   "\"");
}

const char* compression_type_name(CompressionType type) {
  switch (type) {
    case CompressionType::kGzip:
      return "GZIP";
    case CompressionType::kZlib:
      return "ZLIB";
    case CompressionType::kNone:
      break;
  }
  return "";
}

}  // namespace tandem::io
