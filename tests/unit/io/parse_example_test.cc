#include "tandem/io/parse_example.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tandem/io/example.h"
#include "testing/assertions.h"

namespace tandem::io {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;

std::string serialized(const std::map<std::string, proto::Feature>& f) {
  return make_example(f).SerializeAsString();
}

TEST(ParseExample, FixedLenFeatures) {
  std::string s = serialized({{"image", bytes_feature({"abc"})},
                              {"label", int64_feature({4})},
                              {"xy", float_feature({1, 2, 3, 4, 5, 6})}});
  auto out = parse_single_example(s, {{"image", FixedLenFeature{.shape = {}, .dtype = string}},
                                      {"label", FixedLenFeature{.shape = {}, .dtype = int64}},
                                      {"xy", FixedLenFeature{.shape = {2, 3}, .dtype = float32}}});
  EXPECT_EQ(out.at("image").dtype(), DType::kString);
  EXPECT_EQ(out.at("image").to_vector<std::string>(), std::vector<std::string>{"abc"});
  EXPECT_EQ(out.at("label").dtype(), DType::kInt64);
  EXPECT_EQ(out.at("label").shape(), Shape({}));
  expect_values(out.at("label"), {4});
  EXPECT_EQ(out.at("xy").shape(), Shape({2, 3}));
  expect_values(out.at("xy"), {1, 2, 3, 4, 5, 6});
}

TEST(ParseExample, DefaultsFillMissingFeatures) {
  std::string s = serialized({{"a", int64_feature({1})}});
  auto out = parse_single_example(
      s, {{"a", FixedLenFeature{.shape = {}, .dtype = int64}},
          {"b", FixedLenFeature{.shape = {3},
                                .dtype = float32,
                                .default_value = Tensor::from_vector<float>({0.5f}, {})}},
          {"c", FixedLenFeature{.shape = {},
                                .dtype = string,
                                .default_value = Tensor(Literal(std::string("none")))}}});
  expect_values(out.at("b"), {0.5, 0.5, 0.5});
  EXPECT_EQ(out.at("c").to_vector<std::string>(), std::vector<std::string>{"none"});
}

TEST(ParseExample, VarLenFeature) {
  std::string s = serialized({{"tags", int64_feature({5, 6, 7})}});
  auto out = parse_single_example(
      s, {{"tags", VarLenFeature{.dtype = int64}}, {"none", VarLenFeature{.dtype = float32}}});
  EXPECT_EQ(out.at("tags").shape(), Shape({3}));
  expect_values(out.at("tags"), {5, 6, 7});
  EXPECT_EQ(out.at("none").shape(), Shape({0}));
}

TEST(ParseExample, BatchPadsVarLenAndStacksFixedLen) {
  std::vector<std::string> batch = {
      serialized({{"v", float_feature({1, 2})}, {"y", int64_feature({0})}}),
      serialized({{"v", float_feature({3})}, {"y", int64_feature({1})}}),
  };
  auto out = parse_example(batch, {{"v", VarLenFeature{.dtype = float32}},
                                   {"y", FixedLenFeature{.shape = {}, .dtype = int64}}});
  EXPECT_EQ(out.at("v").shape(), Shape({2, 2}));
  expect_values(out.at("v"), {1, 2, 3, 0});
  EXPECT_EQ(out.at("y").shape(), Shape({2}));
  expect_values(out.at("y"), {0, 1});
}

TEST(ParseExample, StringTensorInputs) {
  std::string s = serialized({{"y", int64_feature({9})}});
  Tensor scalar = Tensor(Literal(s));
  auto one = parse_single_example(scalar, {{"y", FixedLenFeature{.shape = {}, .dtype = int64}}});
  expect_values(one.at("y"), {9});
  Tensor vec = Tensor::from_vector<std::string>({s, s}, {2});
  auto many = parse_example(vec, {{"y", FixedLenFeature{.shape = {1}, .dtype = int64}}});
  EXPECT_EQ(many.at("y").shape(), Shape({2, 1}));
}

TEST(ParseExample, MissingRequiredFeature) {
  std::string s = serialized({{"a", int64_feature({1})}});
  expect_error<ValueError>(
      [&] {
        parse_single_example(s, {{"label", FixedLenFeature{.shape = {}, .dtype = int64}}});
      },
      "feature 'label' (dtype int64) is required but could not be found");
  expect_error<ValueError>(
      [&] {
        parse_example(std::vector<std::string>{s, s},
                      {{"label", FixedLenFeature{.shape = {}, .dtype = int64}}});
      },
      "in example 0");
}

TEST(ParseExample, WrongListKindIsTypeError) {
  std::string s = serialized({{"label", float_feature({1})}});
  expect_error<TypeError>(
      [&] {
        parse_single_example(s, {{"label", FixedLenFeature{.shape = {}, .dtype = int64}}});
      },
      "feature 'label' expected int64_list (dtype int64), received float_list");
  expect_error<TypeError>(
      [&] {
        parse_single_example(s, {{"label", FixedLenFeature{.shape = {}, .dtype = int32}}});
      },
      "has dtype int32");
}

TEST(ParseExample, WrongValueCount) {
  std::string s = serialized({{"x", float_feature({1, 2, 3})}});
  expect_error<ValueError>(
      [&] {
        parse_single_example(s, {{"x", FixedLenFeature{.shape = {2, 2}, .dtype = float32}}});
      },
      "feature 'x' expected 4 values for shape (2, 2), received 3");
}

TEST(ParseExample, BadDefault) {
  std::string s = serialized({});
  expect_error<ValueError>(
      [&] {
        parse_single_example(
            s, {{"x", FixedLenFeature{.shape = {3},
                                      .dtype = float32,
                                      .default_value = Tensor::from_vector<float>({1, 2}, {2})}}});
      },
      "holds 2 values, expected 1 or 3");
}

TEST(ParseExample, GarbageBytes) {
  expect_error<ValueError>([] { parse_single_example(std::string("\xff\xff\xff", 3), {}); },
                           "could not parse 3 bytes as a tf.train.Example");
}

// Wire bytes written by hand, for encodings protobuf's serializer never produces (other writers
// may: protobuf parsers accept them).
std::string varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out += static_cast<char>(v | 0x80);
  out += static_cast<char>(v);
  return out;
}
std::string field(uint32_t number, uint32_t wire_type, const std::string& payload) {
  std::string head = varint(number << 3 | wire_type);
  return wire_type == 2 ? head + varint(payload.size()) + payload : head + payload;
}
std::string entry(const std::string& key, const std::string& feature) {
  return field(1, 2, field(1, 2, key) + field(2, 2, feature));
}
std::string unpacked_float(float f) {
  std::string bytes(4, '\0');
  std::memcpy(bytes.data(), &f, 4);
  return field(1, 5, bytes);
}

TEST(ParseExample, UnpackedListsAndRepeatedKeys) {
  std::string floats = field(2, 2, unpacked_float(1.5f) + unpacked_float(-2));
  std::string int64s = field(3, 2, field(1, 0, varint(3)) + field(1, 0, varint(uint64_t{0} - 4)));
  std::string label = field(3, 2, field(1, 2, varint(7)));
  std::string text = field(1, 2, field(1, 2, "first"));
  std::string s = field(1, 2, entry("x", floats) + entry("y", int64s) + entry("label", text)) +
                  field(1, 2, entry("label", label));  // Example.features twice: merged
  auto out = parse_single_example(s, {{"x", FixedLenFeature{.shape = {2}, .dtype = float32}},
                                      {"y", VarLenFeature{.dtype = int64}},
                                      {"label", FixedLenFeature{.shape = {}, .dtype = int64}}});
  expect_values(out.at("x"), {1.5, -2});
  expect_values(out.at("y"), {3, -4});
  expect_values(out.at("label"), {7});  // the last entry for a key wins
  // The same bytes give the same values as protobuf's parser.
  proto::Example ex;
  ASSERT_TRUE(ex.ParseFromString(s));
  EXPECT_EQ(ex.features().feature().at("label").int64_list().value(0), 7);
}

TEST(ParseExample, BatchOfHandWrittenExamples) {
  std::vector<std::string> batch = {
      field(1, 2, entry("v", field(2, 2, unpacked_float(1) + field(1, 2, std::string(8, '\0'))))),
      field(1, 2, entry("v", field(1, 2, "") + field(2, 2, unpacked_float(4)))),  // oneof reset
      field(1, 2, entry("v", "")),  // a Feature with no list: no values of any kind
  };
  auto out = parse_example(batch, {{"v", VarLenFeature{.dtype = float32}}});
  EXPECT_EQ(out.at("v").shape(), Shape({3, 3}));
  expect_values(out.at("v"), {1, 0, 0, 4, 0, 0, 0, 0, 0});
  expect_error<TypeError>(
      [&] {
        parse_example(batch, {{"v", VarLenFeature{.dtype = int64}}});
      },
      "feature 'v' expected int64_list (dtype int64), received float_list");
}

TEST(ParseExample, GarbageInABatchNamesTheExample) {
  std::vector<std::string> batch = {serialized({{"y", int64_feature({1})}}),
                                    std::string("\x0a\x05\x0a", 3)};
  expect_error<ValueError>(
      [&] {
        parse_example(batch, {{"y", FixedLenFeature{.shape = {}, .dtype = int64}}});
      },
      "could not parse 3 bytes as a tf.train.Example (example 1)");
}

// A spec'd shape whose element count overflows int64 is a ValueError naming the feature and the
// shape (it used to be "expected 0 values for shape (4611686018427387904, 8)").
TEST(ParseExample, ShapesWhoseSizeOverflowsAreValueErrors) {
  std::string s = serialized({{"x", float_feature({1, 2})}});
  expect_error<ValueError>(
      [&] {
        parse_single_example(
            s, {{"x", FixedLenFeature{.shape = {int64_t{1} << 62, 8}, .dtype = float32}}});
      },
      "parse_example: FixedLenFeature 'x' has shape (4611686018427387904, 8), whose number of "
      "elements does not fit in int64");
  // Each example fits; the batch of two does not.
  expect_error<ValueError>(
      [&] {
        parse_example(std::vector<std::string>{s, s},
                      {{"x", FixedLenFeature{.shape = {int64_t{1} << 60, 4}, .dtype = float32}}});
      },
      "parse_example: shape (2, 1152921504606846976, 4) has too many elements");
}

}  // namespace
}  // namespace tandem::io
