#include "tandem/core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "tandem/core/error.h"

namespace tandem {
namespace {

TEST(DType, NamesAsTensorFlowPrintsThem) {
  EXPECT_STREQ(dtype_name(float32), "float32");
  EXPECT_STREQ(dtype_name(float64), "float64");
  EXPECT_STREQ(dtype_name(float16), "float16");
  EXPECT_STREQ(dtype_name(bfloat16), "bfloat16");
  EXPECT_STREQ(dtype_name(int32), "int32");
  EXPECT_STREQ(dtype_name(int64), "int64");
  EXPECT_STREQ(dtype_name(uint8), "uint8");
  EXPECT_STREQ(dtype_name(bool_), "bool");
  EXPECT_STREQ(dtype_name(string), "string");
}

TEST(DType, ParsesNamesAndAliases) {
  for (DType t : {float32, float64, float16, bfloat16, int32, int64, uint8, bool_, string})
    EXPECT_EQ(dtype_from_name(dtype_name(t)), t);
  EXPECT_EQ(dtype_from_name("float"), float32);
  EXPECT_EQ(dtype_from_name("double"), float64);
  EXPECT_EQ(dtype_from_name("half"), float16);
  try {
    dtype_from_name("float128");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown dtype 'float128': expected one of float32"),
              std::string::npos)
        << e.what();
  }
}

TEST(DType, SizesAndCategories) {
  EXPECT_EQ(dtype_size(float32), 4u);
  EXPECT_EQ(dtype_size(float64), 8u);
  EXPECT_EQ(dtype_size(float16), 2u);
  EXPECT_EQ(dtype_size(bfloat16), 2u);
  EXPECT_EQ(dtype_size(int32), 4u);
  EXPECT_EQ(dtype_size(int64), 8u);
  EXPECT_EQ(dtype_size(uint8), 1u);
  EXPECT_EQ(dtype_size(bool_), 1u);
  EXPECT_EQ(dtype_size(string), sizeof(std::string));
  for (DType t : {float32, float64, float16, bfloat16}) {
    EXPECT_TRUE(is_floating(t)) << dtype_name(t);
    EXPECT_FALSE(is_integer(t)) << dtype_name(t);
  }
  for (DType t : {int32, int64, uint8}) {
    EXPECT_TRUE(is_integer(t)) << dtype_name(t);
    EXPECT_FALSE(is_floating(t)) << dtype_name(t);
  }
  for (DType t : {bool_, string}) EXPECT_FALSE(is_floating(t) || is_integer(t)) << dtype_name(t);
}

TEST(DType, OfCppTypes) {
  static_assert(dtype_of<float>() == float32);
  static_assert(dtype_of<double>() == float64);
  static_assert(dtype_of<Half>() == float16);
  static_assert(dtype_of<BFloat16>() == bfloat16);
  static_assert(dtype_of<int32_t>() == int32);
  static_assert(dtype_of<int64_t>() == int64);
  static_assert(dtype_of<uint8_t>() == uint8);
  static_assert(dtype_of<bool>() == bool_);
  static_assert(dtype_of<std::string>() == string);
  static_assert(sizeof(Half) == 2 && sizeof(BFloat16) == 2);
}

// ---- float16 ----

uint16_t half_bits(float f) { return Half(f).bits; }
float half_value(uint16_t bits) { return Half::to_float(bits); }

TEST(Half, ExactValues) {
  EXPECT_EQ(half_bits(0.0f), 0x0000);
  EXPECT_EQ(half_bits(-0.0f), 0x8000);
  EXPECT_EQ(half_bits(1.0f), 0x3c00);
  EXPECT_EQ(half_bits(-2.0f), 0xc000);
  EXPECT_EQ(half_bits(0.5f), 0x3800);
  EXPECT_EQ(half_bits(65504.0f), 0x7bff);               // largest finite
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -14)), 0x0400);  // smallest normal
  EXPECT_EQ(half_value(0x3555), 0.333251953125f);
  EXPECT_EQ(static_cast<float>(Half(1.5f)), 1.5f);
}

TEST(Half, Subnormals) {
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(half_value(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_value(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(half_bits(1023 * std::ldexp(1.0f, -24)), 0x03ff);  // largest subnormal
  EXPECT_EQ(half_value(0x03ff), 1023 * std::ldexp(1.0f, -24));
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -25)), 0x0000) << "a tie rounds to even (zero)";
  EXPECT_EQ(half_bits(1.5f * std::ldexp(1.0f, -25)), 0x0001);
  EXPECT_EQ(half_bits(3 * std::ldexp(1.0f, -25)), 0x0002) << "tie between 1 and 2 goes to 2";
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -26)), 0x0000);
  EXPECT_EQ(half_bits(-std::ldexp(1.0f, -30)), 0x8000) << "underflow keeps the sign";
}

TEST(Half, InfinityAndNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(half_bits(inf), 0x7c00);
  EXPECT_EQ(half_bits(-inf), 0xfc00);
  EXPECT_EQ(half_bits(65520.0f), 0x7c00) << "halfway to 65536 rounds up to inf";
  EXPECT_EQ(half_bits(65519.0f), 0x7bff);
  EXPECT_EQ(half_bits(1e10f), 0x7c00);
  uint16_t nan = half_bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0) << "NaN stays NaN";
  EXPECT_TRUE(std::isnan(half_value(nan)));
  EXPECT_EQ(half_value(0x7c00), inf);
  EXPECT_EQ(half_value(0xfc00), -inf);
}

TEST(Half, RoundsToNearestEven) {
  const float ulp = std::ldexp(1.0f, -10);  // spacing just above 1
  EXPECT_EQ(half_bits(1 + ulp / 2), 0x3c00) << "tie to the even 1.0";
  EXPECT_EQ(half_bits(1 + 3 * ulp / 2), 0x3c02) << "tie to the even mantissa 2";
  EXPECT_EQ(half_bits(1 + ulp / 2 + std::ldexp(1.0f, -20)), 0x3c01) << "just above the tie";
  EXPECT_EQ(half_bits(1 + ulp / 2 - std::ldexp(1.0f, -20)), 0x3c00) << "just below the tie";
  EXPECT_EQ(half_bits(2047.0f / 1024), 0x3fff);
  EXPECT_EQ(half_bits(4095.0f / 2048), 0x4000) << "rounding carries into the exponent";
}

TEST(Half, EveryValueRoundTripsThroughFloat) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    auto bits = static_cast<uint16_t>(b);
    float f = half_value(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(half_bits(f), bits) << std::hex << b;
  }
}

// ---- bfloat16 ----

uint16_t bf16_bits(float f) { return BFloat16(f).bits; }
float bf16_value(uint16_t bits) {
  BFloat16 b;
  b.bits = bits;
  return static_cast<float>(b);
}

TEST(BFloat16, ExactValuesAndRounding) {
  EXPECT_EQ(bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(bf16_bits(-2.0f), 0xc000);
  EXPECT_EQ(bf16_bits(3.140625f), 0x4049);
  const float ulp = std::ldexp(1.0f, -7);
  EXPECT_EQ(bf16_bits(1 + ulp / 2), 0x3f80) << "tie to even";
  EXPECT_EQ(bf16_bits(1 + 3 * ulp / 2), 0x3f82) << "tie to even";
  EXPECT_EQ(bf16_bits(1 + ulp / 2 + std::ldexp(1.0f, -20)), 0x3f81);
  EXPECT_EQ(bf16_value(0x3dcd), 0.10009765625f);
  EXPECT_EQ(bf16_bits(0.1f), 0x3dcd);
}

TEST(BFloat16, SubnormalsInfinityAndNaN) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(bf16_bits(inf), 0x7f80);
  EXPECT_EQ(bf16_bits(-inf), 0xff80);
  EXPECT_EQ(bf16_bits(std::numeric_limits<float>::max()), 0x7f80) << "rounds past the max";
  EXPECT_EQ(bf16_bits(std::ldexp(1.0f, -133)), 0x0001);  // float subnormals are kept
  EXPECT_EQ(bf16_value(0x0001), std::ldexp(1.0f, -133));
  uint16_t nan = bf16_bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(bf16_value(nan)));
  // A signalling NaN whose payload lives only in the dropped bits must not become inf.
  float snan;
  uint32_t snan_bits = 0x7f800001u;
  std::memcpy(&snan, &snan_bits, 4);
  EXPECT_TRUE(std::isnan(bf16_value(bf16_bits(snan))));
}

TEST(BFloat16, EveryValueRoundTripsThroughFloat) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    auto bits = static_cast<uint16_t>(b);
    float f = bf16_value(bits);
    if (std::isnan(f)) continue;
    ASSERT_EQ(bf16_bits(f), bits) << std::hex << b;
  }
}

}  // namespace
}  // namespace tandem
