// TFRecord framing constants and little-endian helpers shared by the writer and the reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "tandem/io/crc32c.h"

namespace tandem::io {

inline constexpr size_t kTFRecordHeaderSize = 12;  // uint64 length + masked crc of the length
inline constexpr size_t kTFRecordFooterSize = 4;   // masked crc of the data

// Explicit byte order so files are identical on any host.
inline void store_le32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void store_le64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline uint32_t load_le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint64_t load_le64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline void encode_tfrecord_header(uint64_t length, char* header) {
  store_le64(header, length);
  store_le32(header + 8, crc32c_mask(crc32c(header, 8)));
}

// True when the 12 header bytes carry a length whose masked CRC matches.
inline bool tfrecord_header_valid(const char* header) {
  return load_le32(header + 8) == crc32c_mask(crc32c(header, 8));
}

}  // namespace tandem::io
