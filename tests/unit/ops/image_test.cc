#include "tandem/ops/image.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::expect_error;
using testing::expect_values;

Tensor pixels(const std::vector<uint8_t>& v) {
  return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())});
}

TEST(ConvertImageDtype, Uint8ToFloatScalesByOneOver255) {
  Tensor x = Tensor::from_vector(std::vector<uint8_t>{0, 1, 128, 254, 255, 51}, Shape{2, 3});
  Tensor y = image::convert_image_dtype(x, float32);
  EXPECT_EQ(y.dtype(), float32);
  EXPECT_EQ(y.shape(), Shape({2, 3}));
  // TensorFlow multiplies by float32(1 / 255): the products are exact to float32 rounding.
  const float scale = static_cast<float>(1.0 / 255.0);
  std::vector<float> got = y.to_vector<float>();
  std::vector<float> want = {0.f, scale, 128.f * scale, 254.f * scale, 255.f * scale, 51.f * scale};
  EXPECT_EQ(got, want);
  EXPECT_FLOAT_EQ(got[4], 1.0f);
  expect_values(image::convert_image_dtype(x, float64),
                {0, 1 / 255.0, 128 / 255.0, 254 / 255.0, 1, 0.2}, 1e-15);
}

TEST(ConvertImageDtype, Int32ToFloatUsesInt32Max) {
  Tensor x = Tensor::from_vector(std::vector<int32_t>{0, 2147483647, 1073741824}, Shape{3});
  expect_values(image::convert_image_dtype(x, float64), {0, 1, 1073741824.0 / 2147483647.0}, 1e-15);
}

TEST(ConvertImageDtype, FloatToUint8MultipliesByMaxPlusHalf) {
  Tensor x = Tensor::from_vector(std::vector<float>{0.f, 0.5f, 1.f, 0.999f, 0.25f}, Shape{5});
  Tensor y = image::convert_image_dtype(x, uint8);
  EXPECT_EQ(y.dtype(), uint8);
  // 0.5 * 255.5 = 127.75 -> 127; 1 * 255.5 -> 255; 0.999 * 255.5 = 255.24 -> 255; 63.875 -> 63.
  EXPECT_EQ(y.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 127, 255, 255, 63}));
}

TEST(ConvertImageDtype, SaturateClampsOutOfRangeValues) {
  Tensor x = Tensor::from_vector(std::vector<float>{-0.5f, 2.f, 0.5f}, Shape{3});
  EXPECT_EQ(image::convert_image_dtype(x, uint8, /*saturate=*/true).to_vector<uint8_t>(),
            (std::vector<uint8_t>{0, 255, 127}));
  Tensor big = Tensor::from_vector(std::vector<double>{-3.0, 3.0}, Shape{2});
  EXPECT_EQ(image::convert_image_dtype(big, int32, true).to_vector<int32_t>(),
            (std::vector<int32_t>{-2147483647 - 1, 2147483647}));
}

TEST(ConvertImageDtype, IntegerToIntegerScalesByTheRangeRatio) {
  Tensor x = pixels({0, 1, 255});
  Tensor wide = image::convert_image_dtype(x, int32);
  EXPECT_EQ(wide.dtype(), int32);
  EXPECT_EQ(wide.to_vector<int32_t>(), (std::vector<int32_t>{0, 1 << 23, 255 << 23}));
  // Back down: division by 2^23, rounding down.
  Tensor narrow = image::convert_image_dtype(
      Tensor::from_vector(std::vector<int32_t>{(255 << 23) + 5, (1 << 23) - 1, 0}, Shape{3}),
      uint8);
  EXPECT_EQ(narrow.to_vector<uint8_t>(), (std::vector<uint8_t>{255, 0, 0}));
  Tensor as64 = image::convert_image_dtype(x, int64);
  EXPECT_EQ(as64.to_vector<int64_t>(),
            (std::vector<int64_t>{0, int64_t{1} << 55, int64_t{255} << 55}));
}

TEST(ConvertImageDtype, FloatToFloatIsACastAndSameDtypeIsIdentity) {
  Tensor x = Tensor::from_vector(std::vector<double>{0.25, 0.1}, Shape{2});
  Tensor y = image::convert_image_dtype(x, float32);
  EXPECT_EQ(y.dtype(), float32);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0.25f, 0.1f}));
  EXPECT_EQ(image::convert_image_dtype(x, float64).id(), x.id());
}

TEST(ConvertImageDtype, RejectsBoolAndStringDtypes) {
  Tensor b = Tensor::from_vector(std::vector<uint8_t>{1}, Shape{1});
  expect_error<TypeError>([&] { image::convert_image_dtype(b, DType::kBool); },
                          "convert_image_dtype: the target dtype must be an integer or floating "
                          "dtype, received bool");
  Tensor s = Tensor::empty(Shape{}, DType::kString, Device::cpu());
  expect_error<TypeError>([&] { image::convert_image_dtype(s, float32); },
                          "convert_image_dtype: the image's dtype must be an integer or floating "
                          "dtype, received string");
}

}  // namespace
}  // namespace tandem
