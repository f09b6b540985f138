#include "tandem/io/decode_raw.h"

#include <gtest/gtest.h>

#include "testing/assertions.h"

namespace tandem::io {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;

Tensor strings(const std::vector<std::string>& values, const Shape& shape) {
  return Tensor::from_vector<std::string>(values, shape);
}
Tensor scalar(const std::string& value) { return strings({value}, {}); }

TEST(DecodeRaw, Uint8KeepsEveryByte) {
  Tensor out = decode_raw(scalar("1,2"), uint8);
  EXPECT_EQ(out.dtype(), DType::kUInt8);
  EXPECT_EQ(out.shape(), Shape({3}));
  expect_values(out, {49, 44, 50});
  // Endianness does not matter for single bytes.
  expect_values(decode_raw(scalar(std::string("\x00\xff", 2)), uint8, false), {0, 255});
}

TEST(DecodeRaw, Int32BothEndiannesses) {
  std::string bytes("\x01\x00\x00\x00\xff\xff\xff\xff\x00\x01\x02\x03", 12);
  expect_values(decode_raw(scalar(bytes), int32), {1, -1, 0x03020100});
  expect_values(decode_raw(scalar(bytes), int32, false), {0x01000000, -1, 0x00010203});
}

TEST(DecodeRaw, FloatsAndInt64BothEndiannesses) {
  // 1.5f = 0x3fc00000; -2.0 = 0xc000000000000000; 258 = 0x102.
  expect_values(decode_raw(scalar(std::string("\x00\x00\xc0\x3f", 4)), float32), {1.5});
  expect_values(decode_raw(scalar(std::string("\x3f\xc0\x00\x00", 4)), float32, false), {1.5});
  std::string le("\0\0\0\0\0\0\0\xc0", 8), be("\xc0\0\0\0\0\0\0\0", 8);
  expect_values(decode_raw(scalar(le), float64), {-2});
  expect_values(decode_raw(scalar(be), float64, false), {-2});
  std::string i64("\x02\x01\0\0\0\0\0\0", 8);
  EXPECT_EQ(decode_raw(scalar(i64), int64).to_vector<int64_t>(), std::vector<int64_t>{258});
  // 16-bit floats: 1.0 is 0x3c00 in float16 and 0x3f80 in bfloat16.
  expect_values(decode_raw(scalar(std::string("\x00\x3c", 2)), float16), {1});
  expect_values(decode_raw(scalar(std::string("\x3f\x80", 2)), bfloat16, false), {1});
}

TEST(DecodeRaw, BatchShapeAddsADimension) {
  Tensor in = strings({"ab", "cd", "ef", "gh", "ij", "kl"}, {2, 3});
  Tensor out = decode_raw(in, uint8);
  EXPECT_EQ(out.shape(), Shape({2, 3, 2}));
  expect_values(out, {'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'});
  Tensor empty = decode_raw(strings({}, {0}), float32);
  EXPECT_EQ(empty.shape(), Shape({0, 0}));
  EXPECT_EQ(decode_raw(strings({"", ""}, {2}), int32).shape(), Shape({2, 0}));
}

TEST(DecodeRaw, FixedLengthPadsAndTruncates) {
  Tensor in =
      strings({std::string("\x01\x00\x02\x00\x03\x00", 6), std::string("\x05", 1), ""}, {3});
  Tensor out = decode_raw(in, uint8, true, 4);
  EXPECT_EQ(out.shape(), Shape({3, 4}));
  expect_values(out, {1, 0, 2, 0, 5, 0, 0, 0, 0, 0, 0, 0});
  // Padding comes after the bytes, then elements are decoded: big-endian 05 00 00 00.
  Tensor words = decode_raw(in, int32, false, 4);
  EXPECT_EQ(words.shape(), Shape({3, 1}));
  expect_values(words, {0x01000200, 0x05000000, 0});
  expect_values(decode_raw(in, int32, true, 8), {0x00020001, 0x0003, 5, 0, 0, 0});
}

TEST(DecodeRaw, BoolIsOneBytePerValue) {
  Tensor out = decode_raw(scalar(std::string("\x00\x01\x07", 3)), bool_);
  EXPECT_EQ(out.to_vector<bool>(), (std::vector<bool>{false, true, true}));
}

TEST(DecodeRaw, Errors) {
  expect_error<TypeError>([] { decode_raw(Tensor::from_vector<float>({1}, {1}), uint8); },
                          "input_bytes must be a string tensor, received float32");
  expect_error<TypeError>([] { decode_raw(scalar("ab"), string); }, "out_type must be a numeric");
  expect_error<ValueError>([] { decode_raw(scalar("abc"), int32); },
                           "input strings have 3 bytes, which is not a multiple of 4 (the size "
                           "of int32)");
  expect_error<ValueError>(
      [] {
        decode_raw(strings({"abcd", "ab", "abcd"}, {3}), uint8);
      },
      "string 0 has 4 bytes and string 1 has 2");
  expect_error<ValueError>([] { decode_raw(scalar("abcd"), int32, true, 6); },
                           "fixed_length must be a non-negative multiple of 4 (the size of "
                           "int32), received 6");
  expect_error<ValueError>([] { decode_raw(scalar("abcd"), uint8, true, -1); }, "received -1");
}

}  // namespace
}  // namespace tandem::io
