#include "tandem/io/example.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::io {
namespace {

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

// Hand-encoded wire bytes (field number << 3 | wire type 2 = length-delimited):
// Example{1: Features{1: map entry{1: key, 2: Feature{3: Int64List{1: packed [1]}}}}}.
TEST(Example, Int64FeatureMatchesHandEncodedBytes) {
  auto ex = make_example({{"a", int64_feature({1})}});
  EXPECT_EQ(ex.SerializeAsString(), bytes({0x0a, 0x0c,           // Example.features
                                           0x0a, 0x0a,           // Features.feature entry
                                           0x0a, 0x01, 'a',      // entry key
                                           0x12, 0x05,           // entry value: Feature
                                           0x1a, 0x03,           // Feature.int64_list = 3
                                           0x0a, 0x01, 0x01}));  // packed values [1]
}

TEST(Example, FloatFeatureIsPackedAtFieldTwo) {
  auto ex = make_example({{"f", float_feature({1.0f})}});
  EXPECT_EQ(ex.SerializeAsString(),
            bytes({0x0a, 0x0f, 0x0a, 0x0d, 0x0a, 0x01, 'f', 0x12, 0x08,  // entry, Feature
                   0x12, 0x06,                                           // float_list = 2
                   0x0a, 0x04, 0x00, 0x00, 0x80, 0x3f}));                // packed 1.0f LE
}

TEST(Example, BytesFeatureIsFieldOne) {
  auto ex = make_example({{"b", bytes_feature({"hi"})}});
  EXPECT_EQ(ex.SerializeAsString(), bytes({0x0a, 0x0d, 0x0a, 0x0b, 0x0a, 0x01, 'b', 0x12, 0x06,
                                           0x0a, 0x04,               // bytes_list = 1
                                           0x0a, 0x02, 'h', 'i'}));  // value = 1
}

TEST(Example, RoundTrip) {
  auto ex = make_example({{"image", bytes_feature({std::string("\0\xff", 2)})},
                          {"label", int64_feature({7, -3})},
                          {"w", float_feature({0.5f, 2.0f})}});
  proto::Example back;
  ASSERT_TRUE(back.ParseFromString(ex.SerializeAsString()));
  const auto& m = back.features().feature();
  EXPECT_EQ(m.at("image").bytes_list().value(0), std::string("\0\xff", 2));
  EXPECT_EQ(m.at("label").int64_list().value(1), -3);
  EXPECT_EQ(m.at("w").float_list().value(0), 0.5f);
  EXPECT_EQ(m.size(), 3u);
}

}  // namespace
}  // namespace tandem::io
