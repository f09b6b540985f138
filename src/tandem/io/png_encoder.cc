#include "tandem/io/png_encoder.h"

#include <zlib.h>

#include <array>
#include <limits>

#include "tandem/core/error.h"
#include "tandem/core/tensor.h"

namespace tandem::io {

namespace {

constexpr std::array<unsigned char, 8> kPngSignature = {0x89, 'P',  'N',  'G',
                                                        '\r', '\n', 0x1a, '\n'};

void append_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// A chunk is its length, its type, its data and the CRC-32 (zlib's, ISO 3309) of type and data.
void append_chunk(std::string& out, const char type[4], const std::string& data) {
  append_be32(out, static_cast<uint32_t>(data.size()));
  size_t type_at = out.size();
  out.append(type, 4);
  out += data;
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* typed = reinterpret_cast<const Bytef*>(out.data() + type_at);
  crc = crc32_z(crc, typed, 4 + data.size());
  append_be32(out, static_cast<uint32_t>(crc));
}

// PNG colour types for 1..4 interleaved 8-bit channels.
uint8_t color_type(int channels) {
  switch (channels) {
    case 1:
      return 0;  // grayscale
    case 2:
      return 4;  // grayscale + alpha
    case 3:
      return 2;  // RGB
    default:
      return 6;  // RGBA
  }
}

}  // namespace

std::string encode_png(const uint8_t* pixels, int64_t height, int64_t width, int channels,
                       int compression_level) {
  TANDEM_CHECK(channels >= 1 && channels <= 4, ValueError,
               "encode_png expected 1 (grayscale), 2 (grayscale + alpha), 3 (RGB) or 4 (RGBA) "
               "channels, received ",
               channels);
  constexpr int64_t kMaxSide = std::numeric_limits<int32_t>::max();  // PNG's limit
  TANDEM_CHECK(height >= 1 && height <= kMaxSide && width >= 1 && width <= kMaxSide, ValueError,
               "encode_png expected a height and width from 1 to 2^31-1, received ", height, "x",
               width);
  TANDEM_CHECK(compression_level >= -1 && compression_level <= 9, ValueError,
               "encode_png expected a compression level from -1 to 9, received ",
               compression_level);

  // Every scanline starts with its filter type; 0 (None) keeps the encoder small and exact.
  const size_t row_bytes = static_cast<size_t>(width) * static_cast<size_t>(channels);
  std::string raw;
  raw.reserve(static_cast<size_t>(height) * (row_bytes + 1));
  for (int64_t y = 0; y < height; ++y) {
    raw.push_back('\0');
    raw.append(reinterpret_cast<const char*>(pixels) + static_cast<size_t>(y) * row_bytes,
               row_bytes);
  }
  uLongf deflated_size = compressBound(static_cast<uLong>(raw.size()));
  std::string idat(deflated_size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(idat.data()), &deflated_size,
                     reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                     compression_level);
  TANDEM_CHECK(rc == Z_OK, IOError, "encode_png: zlib compress2 failed with code ", rc);
  idat.resize(deflated_size);

  std::string ihdr;
  append_be32(ihdr, static_cast<uint32_t>(width));
  append_be32(ihdr, static_cast<uint32_t>(height));
  ihdr.push_back(8);  // bit depth
  ihdr.push_back(static_cast<char>(color_type(channels)));
  ihdr.push_back(0);  // compression: deflate
  ihdr.push_back(0);  // filter method: adaptive (per-row filter byte)
  ihdr.push_back(0);  // no interlace

  std::string png(kPngSignature.begin(), kPngSignature.end());
  append_chunk(png, "IHDR", ihdr);
  append_chunk(png, "IDAT", idat);
  append_chunk(png, "IEND", std::string());
  return png;
}

}  // namespace tandem::io

namespace tandem {

std::string encode_png(const Tensor& image, int compression_level) {
  TANDEM_CHECK(image.dtype() == DType::kUInt8, TypeError,
               "encode_png expected a uint8 image, received dtype ", dtype_name(image.dtype()));
  TANDEM_CHECK(image.shape().rank() == 3, ShapeError,
               "encode_png expected an image of shape [height, width, channels], received ",
               image.shape().to_string());
  std::vector<uint8_t> pixels = image.to_vector<uint8_t>();
  return io::encode_png(pixels.data(), image.shape()[0], image.shape()[1],
                        static_cast<int>(image.shape()[2]), compression_level);
}

}  // namespace tandem
