// encode_png: the PNG signature, an IHDR with the image's size and colour type, chunk CRCs that
// zlib's crc32 accepts, and IDAT data that inflates back to the pixels (one filter byte per row).
#include "tandem/io/png_encoder.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "tandem/core/error.h"
#include "tandem/core/tensor.h"
#include "tandem/io/tfrecord_format.h"
#include "testing/assertions.h"

namespace tandem::io {
namespace {

using testing::expect_error;

uint32_t be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

struct Chunk {
  std::string type;
  std::string data;
};

// Splits a PNG into its chunks, checking each CRC.
std::vector<Chunk> chunks(const std::string& png) {
  std::vector<Chunk> out;
  size_t at = 8;
  while (at + 12 <= png.size()) {
    uint32_t length = be32(png, at);
    Chunk chunk{png.substr(at + 4, 4), png.substr(at + 8, length)};
    uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + at + 4), 4 + length);
    EXPECT_EQ(be32(png, at + 8 + length), static_cast<uint32_t>(crc)) << chunk.type;
    out.push_back(chunk);
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  return out;
}

std::string inflate(const std::string& data, size_t expected_size) {
  std::string raw(expected_size, '\0');
  uLongf size = expected_size;
  EXPECT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                       reinterpret_cast<const Bytef*>(data.data()), data.size()),
            Z_OK);
  raw.resize(size);
  return raw;
}

TEST(EncodePng, WritesSignatureHeaderPixelsAndEnd) {
  // 2 rows of 3 RGB pixels.
  std::vector<uint8_t> pixels(2 * 3 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 13);
  std::string png = encode_png(pixels.data(), 2, 3, 3);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<Chunk> parts = chunks(png);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].type, "IHDR");
  ASSERT_EQ(parts[0].data.size(), 13u);
  EXPECT_EQ(be32(parts[0].data, 0), 3u);  // width
  EXPECT_EQ(be32(parts[0].data, 4), 2u);  // height
  EXPECT_EQ(parts[0].data[8], 8);         // bit depth
  EXPECT_EQ(parts[0].data[9], 2);         // RGB
  EXPECT_EQ(parts[1].type, "IDAT");
  std::string raw = inflate(parts[1].data, 2 * (1 + 9));
  ASSERT_EQ(raw.size(), 20u);
  for (size_t row = 0; row < 2; ++row) {
    EXPECT_EQ(raw[row * 10], 0) << "filter byte of row " << row;
    for (size_t i = 0; i < 9; ++i) {
      EXPECT_EQ(static_cast<uint8_t>(raw[row * 10 + 1 + i]), pixels[row * 9 + i]);
    }
  }
  EXPECT_EQ(parts[2].type, "IEND");
  EXPECT_TRUE(parts[2].data.empty());
}

TEST(EncodePng, ColourTypeFollowsTheChannels) {
  std::vector<uint8_t> pixels(4, 200);
  const int expected[] = {0, 4, 2, 6};  // gray, gray + alpha, RGB, RGBA
  for (int channels = 1; channels <= 4; ++channels) {
    std::vector<Chunk> parts = chunks(encode_png(pixels.data(), 1, 1, channels));
    ASSERT_FALSE(parts.empty());
    EXPECT_EQ(parts[0].data[9], expected[channels - 1]) << channels << " channels";
  }
}

TEST(EncodePng, TensorOverloadChecksDtypeRankAndChannels) {
  Tensor image = Tensor::from_vector(std::vector<uint8_t>{1, 2, 3, 4}, Shape{2, 2, 1});
  std::vector<Chunk> parts = chunks(tandem::encode_png(image));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(inflate(parts[1].data, 6), std::string("\0\x01\x02\0\x03\x04", 6));
  expect_error<TypeError>(
      [] {
        tandem::encode_png(Tensor::from_vector(std::vector<float>{1}, Shape{1, 1, 1}));
      },
      "expected a uint8 image, received dtype float32");
  expect_error<ShapeError>(
      [] {
        tandem::encode_png(Tensor::from_vector(std::vector<uint8_t>{1}, Shape{1, 1}));
      },
      "[height, width, channels], received (1, 1)");
  std::vector<uint8_t> five(5);
  expect_error<ValueError>([&] { encode_png(five.data(), 1, 1, 5); },
                           "4 (RGBA) channels, received 5");
  expect_error<ValueError>([&] { encode_png(five.data(), 0, 1, 1); },
                           "height and width from 1 to 2^31-1, received 0x1");
}

}  // namespace
}  // namespace tandem::io
