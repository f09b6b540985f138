// CRC32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of TFRecord framing
// and of Tandem's checkpoint tensor index (DESIGN section 3). Uses the SSE4.2 crc32 instruction
// when the CPU has it and a slicing-by-8 table otherwise; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tandem::io {

// Extends `crc` (the CRC32C of some prefix) with `n` more bytes. crc32c_extend(0, d, n) is the
// CRC32C of d.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }
inline uint32_t crc32c(std::string_view bytes) { return crc32c(bytes.data(), bytes.size()); }

// TFRecord stores masked CRCs: a CRC of data that itself contains CRCs is weak, so the stored value
// is rotated right by 15 bits and offset by a constant (tensorflow/core/lib/hash/crc32c.h).
inline constexpr uint32_t kCrc32cMaskDelta = 0xa282ead8u;

inline uint32_t crc32c_mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrc32cMaskDelta; }

inline uint32_t crc32c_unmask(uint32_t masked) {
  uint32_t rot = masked - kCrc32cMaskDelta;
  return (rot >> 17) | (rot << 15);
}

namespace detail {
// The table-driven path alone, so tests can check it against the hardware path.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n);
}  // namespace detail

}  // namespace tandem::io
