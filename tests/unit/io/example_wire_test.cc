#include "tandem/io/example_wire.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "tandem/io/example.h"

namespace tandem::io::wire {
namespace {

// A feature's values, decoded by the walker or by protobuf, for comparison.
struct Values {
  Kind kind = Kind::kNone;
  std::vector<uint32_t> floats;  // bit patterns, so that NaNs compare
  std::vector<int64_t> int64s;
  std::vector<std::string> bytes;
  bool operator==(const Values&) const = default;
};
using Decoded = std::optional<std::vector<std::optional<Values>>>;  // nullopt: rejected

std::vector<uint32_t> bits(const float* f, size_t n) {
  std::vector<uint32_t> out(n);
  if (n > 0) std::memcpy(out.data(), f, n * 4);
  return out;
}

Decoded walk(const std::string& bytes, const std::vector<std::string>& names) {
  std::vector<std::string_view> keys(names.begin(), names.end());
  std::vector<FeatureView> views(names.size());
  if (!find_features(bytes, keys, views)) return std::nullopt;
  std::vector<std::optional<Values>> out(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    const FeatureView& v = views[i];
    if (!v.found) continue;
    Values& d = out[i].emplace();
    d.kind = v.kind;
    if (v.kind == Kind::kFloat) {
      std::vector<float> f(v.count);
      copy_floats(v, f.data());
      d.floats = bits(f.data(), f.size());
    } else if (v.kind == Kind::kInt64) {
      d.int64s.resize(v.count);
      copy_int64s(v, d.int64s.data());
    } else if (v.kind == Kind::kBytes) {
      d.bytes.resize(v.count);
      copy_bytes(v, d.bytes.data());
    } else {
      EXPECT_EQ(v.count, 0);
    }
  }
  return out;
}

Decoded reference(const std::string& bytes, const std::vector<std::string>& names) {
  google::protobuf::LogSilencer quiet;  // no log line per rejected key
  proto::Example ex;
  if (!ex.ParseFromString(bytes)) return std::nullopt;
  std::vector<std::optional<Values>> out(names.size());
  const auto& map = ex.features().feature();
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = map.find(names[i]);
    if (it == map.end()) continue;
    const proto::Feature& f = it->second;
    Values& d = out[i].emplace();
    d.kind = static_cast<Kind>(f.kind_case());
    d.floats = bits(f.float_list().value().data(), f.float_list().value_size());
    d.int64s.assign(f.int64_list().value().begin(), f.int64_list().value().end());
    d.bytes.assign(f.bytes_list().value().begin(), f.bytes_list().value().end());
  }
  return out;
}

void expect_same(const std::string& bytes, const std::vector<std::string>& names,
                 const std::string& what) {
  Decoded got = walk(bytes, names);
  Decoded want = reference(bytes, names);
  ASSERT_EQ(got.has_value(), want.has_value()) << what;
  if (got) {
    EXPECT_TRUE(*got == *want) << what;
  }
}

// Hand-written wire bytes, for encodings protobuf's serializer never produces.
std::string varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out += static_cast<char>(v | 0x80);
  return out + static_cast<char>(v);
}
std::string tag(uint32_t field, uint32_t wire_type) { return varint(field << 3 | wire_type); }
std::string len(uint32_t field, const std::string& payload) {
  return tag(field, 2) + varint(payload.size()) + payload;
}
std::string fixed32(uint32_t field, float f) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &f, 4);
  return tag(field, 5) + out;
}
// A map entry from its fields, and one from a key and a Feature.
std::string raw_entry(const std::string& fields) { return len(1, fields); }
std::string entry(const std::string& key, const std::string& feature) {
  return raw_entry(len(1, key) + len(2, feature));
}
std::string example(const std::string& entries) { return len(1, entries); }
// One unknown field of each wire type (numbers past the known ones).
std::string unknowns() {
  return tag(7, 0) + varint(300) + tag(8, 1) + std::string(8, 'x') + len(9, "junk") + tag(10, 5) +
         std::string(4, 'y');
}

// Feature names of the random Examples ("" included: a key protobuf allows).
const std::vector<std::string> kNames = {"f0", "f1", "f2", "f3", "f4", "f5",
                                         "f6", "f7", "f8", "f9", ""};

std::string random_example(std::mt19937& rng, std::vector<std::string>* names) {
  std::map<std::string, proto::Feature> features;
  int n = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int i = 0; i < n; ++i) {
    const std::string& name = kNames[rng() % kNames.size()];
    int length = std::uniform_int_distribution<int>(0, 50)(rng);
    switch (rng() % 4) {
      case 0: {
        std::vector<float> v(length);
        for (float& x : v) x = std::normal_distribution<float>(0, 100)(rng);
        features[name] = float_feature(v);
        break;
      }
      case 1: {
        std::vector<int64_t> v(length);
        for (int64_t& x : v) {
          x = static_cast<int64_t>(rng()) << (rng() % 32);
          if (rng() % 2) x = -x;
        }
        features[name] = int64_feature(v);
        break;
      }
      case 2: {
        std::vector<std::string> v(length);
        for (std::string& s : v) s = std::string(rng() % 20, static_cast<char>(rng()));
        features[name] = bytes_feature(v);
        break;
      }
      default:
        features[name] = proto::Feature();  // no list set
    }
  }
  *names = kNames;
  return make_example(features).SerializeAsString();
}

TEST(ExampleWire, MatchesProtobufOnRandomExamples) {
  std::mt19937 rng(7);
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) {
    std::string bytes = random_example(rng, &names);
    ASSERT_TRUE(walk(bytes, names).has_value());
    expect_same(bytes, names, "example " + std::to_string(i));
  }
}

TEST(ExampleWire, ValuesOfASimpleExample) {
  std::string bytes = make_example({{"x", float_feature({1.5f, -2})},
                                    {"y", int64_feature({-1, 1LL << 40})},
                                    {"z", bytes_feature({"", "ab"})},
                                    {"w", proto::Feature()}})
                          .SerializeAsString();
  std::vector<std::string_view> names = {"z", "y", "x", "w", "missing"};
  std::vector<FeatureView> views(names.size());
  ASSERT_TRUE(find_features(bytes, names, views));
  EXPECT_EQ(views[0].kind, Kind::kBytes);
  std::vector<std::string> s(2);
  copy_bytes(views[0], s.data());
  EXPECT_EQ(s, (std::vector<std::string>{"", "ab"}));
  ASSERT_EQ(views[1].count, 2);
  int64_t i[2];
  copy_int64s(views[1], i);
  EXPECT_EQ(i[0], -1);
  EXPECT_EQ(i[1], 1LL << 40);
  ASSERT_EQ(views[2].count, 2);
  float f[2];
  copy_floats(views[2], f);
  EXPECT_EQ(f[0], 1.5f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_TRUE(views[3].found);
  EXPECT_EQ(views[3].kind, Kind::kNone);
  EXPECT_FALSE(views[4].found);
  EXPECT_STREQ(kind_name(Kind::kInt64), "int64_list");
}

TEST(ExampleWire, UnpackedAndMixedEncodings) {
  std::string floats = len(2, fixed32(1, 1) + fixed32(1, 2) + len(1, std::string(4, '\0')));
  std::string int64s = len(
      3, tag(1, 0) + varint(5) + len(1, varint(6) + varint(uint64_t(-7))) + tag(1, 0) + varint(8));
  std::string bytes = example(entry("f", floats) + entry("i", int64s));
  std::vector<std::string> names = {"f", "i"};
  Decoded got = walk(bytes, names);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)[0]->floats, (std::vector<uint32_t>{0x3f800000, 0x40000000, 0}));
  EXPECT_EQ((*got)[1]->int64s, (std::vector<int64_t>{5, 6, -7, 8}));
  expect_same(bytes, names, "unpacked");
}

TEST(ExampleWire, RepeatedFieldsFollowProtobuf) {
  std::vector<std::string> names = {"a", "b", "c", "d", ""};
  std::string one = len(3, len(1, varint(1)));
  std::string two = len(3, len(1, varint(2)));
  std::string text = len(1, len(1, "t"));
  struct Case {
    std::string name;
    std::string bytes;
  };
  std::vector<Case> cases = {
      {"duplicate keys: the last wins", example(entry("a", one) + entry("a", text))},
      {"same list twice: merged", example(entry("a", one + two))},
      {"oneof switched and back", example(entry("a", one + text + two + one))},
      {"value twice in an entry",
       example(raw_entry(len(1, "a") + len(2, one) + len(2, text) + len(2, two)))},
      {"value before key, key twice", example(raw_entry(len(2, one) + len(1, "x") + len(1, "b")))},
      {"entry without key", example(raw_entry(len(2, one)))},
      {"entry without value", example(raw_entry(len(1, "c")))},
      {"features twice", example(entry("a", one)) + example(entry("b", two) + entry("a", text))},
      {"unknown fields everywhere",
       unknowns() +
           len(1, unknowns() +
                      len(1, unknowns() + len(1, "d") +
                                 len(2, unknowns() + len(3, unknowns() + len(1, varint(9)))))) +
           unknowns()},
      {"known numbers with other wire types",
       tag(1, 0) + varint(1) +
           len(1, tag(1, 5) + "abcd" +
                      len(1, tag(1, 0) + varint(2) + len(1, "d") +
                                 len(2, tag(2, 0) + varint(3) + len(1, tag(1, 5) + "abcd") +
                                            len(3, tag(1, 1) + "12345678"))))},
      {"empty example", ""},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(walk(c.bytes, names).has_value()) << c.name;
    expect_same(c.bytes, names, c.name);
  }
  // Spot checks of what protobuf (and so the walker) decides.
  EXPECT_EQ((*walk(cases[0].bytes, names))[0]->bytes, std::vector<std::string>{"t"});
  EXPECT_EQ((*walk(cases[1].bytes, names))[0]->int64s, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ((*walk(cases[2].bytes, names))[0]->int64s, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ((*walk(cases[3].bytes, names))[0]->int64s, std::vector<int64_t>{2});
  EXPECT_EQ((*walk(cases[5].bytes, names))[4]->int64s, std::vector<int64_t>{1});
  EXPECT_EQ((*walk(cases[6].bytes, names))[2]->kind, Kind::kNone);
  EXPECT_EQ((*walk(cases[8].bytes, names))[3]->int64s, std::vector<int64_t>{9});
  EXPECT_EQ((*walk(cases[9].bytes, names))[3]->kind, Kind::kInt64);
  EXPECT_TRUE((*walk(cases[9].bytes, names))[3]->int64s.empty());
}

TEST(ExampleWire, RejectsMalformedBytes) {
  std::vector<std::string> names = {"a"};
  std::string list = len(3, len(1, varint(1)));
  std::vector<std::pair<std::string, std::string>> bad = {
      {"overlong varint", example(entry("a", len(3, tag(1, 0) + std::string(10, '\x80') + '\1')))},
      {"truncated varint", example(entry("a", len(3, tag(1, 0) + "\x80")))},
      {"overlong packed varint",
       example(entry("a", len(3, len(1, std::string(10, '\xff') + '\1'))))},
      {"truncated packed varint", example(entry("a", len(3, len(1, "\x05\x80"))))},
      {"packed floats not a multiple of 4", example(entry("a", len(2, len(1, "abcde"))))},
      {"length past the end", tag(1, 2) + varint(100) + "abc"},
      {"nested length past its message", len(1, tag(1, 2) + varint(5) + "ab") + "cdefg"},
      {"end group", len(1, tag(5, 4))},
      {"wire type 6", tag(5, 6)},
      {"wire type 7 in a list", example(entry("a", len(3, tag(1, 7))))},
      {"field number 0", example(entry("a", len(3, tag(0, 0) + varint(1))))},
      {"6-byte length", tag(1, 2) + std::string(5, '\x80') + '\0'},
      {"truncated fixed64", tag(9, 1) + "1234567"},
      {"key not UTF-8", example(entry("\xff", list))},
      {"key with a surrogate", example(entry("\xed\xa0\x80", list))},
      {"key with an overlong form", example(entry("\xc0\xaf", list))},
  };
  for (const auto& [what, bytes] : bad) {
    EXPECT_FALSE(walk(bytes, names).has_value()) << what;
    EXPECT_FALSE(reference(bytes, names).has_value()) << what << " (protobuf)";
  }
  // Protobuf skips groups in unknown fields; tf.Example never holds one, and the walker (like
  // TensorFlow's fast parser) rejects them.
  EXPECT_FALSE(walk(example(entry("a", list)) + tag(5, 3) + tag(5, 4), names).has_value());
  EXPECT_FALSE(walk(example(entry("a", len(3, tag(5, 3) + tag(5, 4)))), names).has_value());
  // Keys in UTF-8 beyond ASCII are fine.
  std::vector<std::string> utf8 = {"\xc3\xa9t\xc3\xa9", "\xf0\x9f\x99\x82"};
  std::string ok = example(entry(utf8[0], list) + entry(utf8[1], list));
  ASSERT_TRUE(walk(ok, utf8).has_value());
  expect_same(ok, utf8, "UTF-8 keys");
}

// The same Example with each feature in its own Example.features field (which protobuf merges),
// so that many prefixes are valid Examples too.
std::string split_example(const std::string& bytes) {
  proto::Example ex;
  EXPECT_TRUE(ex.ParseFromString(bytes));
  std::string out;
  for (const auto& [name, feature] : ex.features().feature()) {
    out += make_example({{name, feature}}).SerializeAsString();
  }
  return out;
}

// Every prefix of valid Examples and random byte changes, insertions and deletions: the walker
// agrees with protobuf and never reads out of bounds (see it under ASan). Protobuf skips groups in
// unknown fields, which the walker rejects: the one difference allowed.
TEST(ExampleWire, TruncationsAndMutationsAgreeWithProtobuf) {
  std::mt19937 rng(11);
  std::vector<std::string> names;
  int prefixes_accepted = 0, prefixes_rejected = 0;
  int mutants_accepted = 0, mutants_rejected = 0, walker_only_rejections = 0;
  for (int i = 0; i < 40; ++i) {
    std::string bytes = random_example(rng, &names);
    for (const std::string& whole : {bytes, split_example(bytes)}) {
      for (size_t cut = 0; cut < whole.size(); ++cut) {
        std::string prefix = whole.substr(0, cut);
        Decoded got = walk(prefix, names);
        Decoded want = reference(prefix, names);
        ASSERT_EQ(got.has_value(), want.has_value()) << "example " << i << " cut at " << cut;
        if (got) {
          EXPECT_TRUE(*got == *want) << "example " << i << " cut at " << cut;
        }
        (got ? prefixes_accepted : prefixes_rejected) += 1;
      }
    }
    for (int m = 0; m < 300 && !bytes.empty(); ++m) {
      std::string mutated = bytes;
      size_t at = rng() % mutated.size();
      if (m % 3 == 0) {
        mutated[at] = static_cast<char>(rng());
      } else if (m % 3 == 1) {
        mutated.insert(at, 1, static_cast<char>(rng()));
      } else {
        mutated.erase(at, 1 + rng() % 3);
      }
      Decoded got = walk(mutated, names);
      Decoded want = reference(mutated, names);
      if (!got && want) {
        ++walker_only_rejections;
        continue;
      }
      ASSERT_EQ(got.has_value(), want.has_value()) << "example " << i << " mutation " << m;
      if (got) {
        EXPECT_TRUE(*got == *want) << "example " << i << " mutation " << m;
      }
      (got ? mutants_accepted : mutants_rejected) += 1;
    }
  }
  EXPECT_GT(prefixes_accepted, 100);
  EXPECT_GT(prefixes_rejected, 1000);
  EXPECT_GT(mutants_accepted, 100);
  EXPECT_LE(walker_only_rejections, 12);
  std::printf(
      "prefixes accepted %d, rejected %d; mutants accepted %d, rejected %d, %d by the "
      "walker only\n",
      prefixes_accepted, prefixes_rejected, mutants_accepted, mutants_rejected,
      walker_only_rejections);
}

}  // namespace
}  // namespace tandem::io::wire
