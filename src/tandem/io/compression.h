// Compression of record files, named as in tf.io.TFRecordOptions: "" (none), "GZIP", "ZLIB".
#pragma once

#include <string>

namespace tandem::io {

enum class CompressionType { kNone, kGzip, kZlib };

// Parses "", "NONE", "GZIP" or "ZLIB" (case-insensitive); throws ValueError otherwise.
CompressionType compression_type_from_string(const std::string& name);
const char* compression_type_name(CompressionType type);

}  // namespace tandem::io
