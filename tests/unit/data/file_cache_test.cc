// Dataset::cache(filename): the first full pass writes the file, later passes read it without
// running the input; abandoned passes leave nothing; damaged files raise IOError with the offset.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "data_test_util.h"
#include "tandem/data/dataset.h"
#include "tandem/io/crc32c.h"
#include "tandem/io/tfrecord_format.h"
#include "tandem/ops/math.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::read_bytes;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;
using testing::iota;
using testing::scalars;

// range(n) mapped through a counter, so tests see how often the input really ran.
Dataset counted_range(int64_t n, std::shared_ptr<std::atomic<int>> calls) {
  return Dataset::range(n).map([calls](const Element& e) {
    ++*calls;
    return e;
  });
}

bool has_temp_files(const TempDir& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

TEST(FileCache, FirstPassWritesLaterPassesReadWithoutTheInput) {
  TempDir dir;
  auto calls = std::make_shared<std::atomic<int>>(0);
  Dataset ds = counted_range(5, calls).cache(dir.file("c"));
  EXPECT_EQ(ds.cardinality(), 5);
  EXPECT_EQ(scalars(ds), iota(0, 5));
  EXPECT_EQ(*calls, 5);
  EXPECT_TRUE(std::filesystem::exists(dir.file("c")));
  EXPECT_EQ(scalars(ds), iota(0, 5));
  EXPECT_EQ(*calls, 5);  // replayed from the file
  // Another pipeline naming the same file reads it too, without running its own input.
  auto other_calls = std::make_shared<std::atomic<int>>(0);
  EXPECT_EQ(scalars(counted_range(99, other_calls).cache(dir.file("c"))), iota(0, 5));
  EXPECT_EQ(*other_calls, 0);
  EXPECT_FALSE(has_temp_files(dir));
}

TEST(FileCache, KeepsEveryDtypeShapeAndMapNames) {
  TempDir dir;
  Tensor f32 = Tensor::from_vector<float>({1.5f, -2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor f64 = Tensor::from_vector<double>({0.1, 1e300}, Shape{2});
  Tensor i32 = Tensor::from_vector<int32_t>({-7, 8}, Shape{2});
  Tensor i64 = Tensor::from_vector<int64_t>({int64_t{1} << 40, -1}, Shape{2});
  Tensor u8 = Tensor::from_vector<uint8_t>({0, 255, 1, 2}, Shape{2, 1, 2});
  Tensor b = Tensor::from_vector<bool>({true, false}, Shape{2});
  Tensor s =
      Tensor::from_vector<std::string>({"", std::string("a\0b", 3), "xyz", "q"}, Shape{2, 2});
  Tensor h = cast(f64, float16);
  Tensor bf = cast(f64, bfloat16);
  std::vector<std::pair<std::string, Tensor>> items = {{"f32", f32}, {"f64", f64}, {"i32", i32},
                                                       {"i64", i64}, {"u8", u8},   {"b", b},
                                                       {"s", s},     {"h", h},     {"bf", bf}};
  Dataset source = Dataset::from_tensor_slices(items);
  std::vector<Element> expected = source.collect();
  Dataset ds = source.cache(dir.file("all"));
  ds.collect();                                // writes
  std::vector<Element> replay = ds.collect();  // reads
  ASSERT_EQ(replay.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(replay[i].names(), expected[i].names());
    for (size_t c = 0; c < replay[i].size(); ++c) {
      const Tensor& got = replay[i][c];
      const Tensor& want = expected[i][c];
      EXPECT_EQ(got.dtype(), want.dtype()) << replay[i].names()[c];
      EXPECT_EQ(got.shape(), want.shape()) << replay[i].names()[c];
      if (want.dtype() == DType::kString) {
        EXPECT_EQ(got.to_vector<std::string>(), want.to_vector<std::string>());
      } else {
        EXPECT_EQ(got.to_vector<double>(), want.to_vector<double>()) << replay[i].names()[c];
      }
    }
  }
  EXPECT_EQ(replay[1]["s"].to_vector<std::string>(), (std::vector<std::string>{"xyz", "q"}));
  EXPECT_EQ(replay[0]["s"].to_vector<std::string>()[1], std::string("a\0b", 3));
  expect_values(replay[1]["f64"], {1e300}, 0);
  // Tuples stay tuples.
  Dataset tuples = Dataset::from_tensor_slices({i32, s}).cache(dir.file("tuple"));
  tuples.collect();
  std::vector<Element> t = tuples.collect();
  EXPECT_FALSE(t[1].is_map());
  EXPECT_EQ(t[1][0].item<int64_t>(), 8);
  EXPECT_EQ(t[1][1].to_vector<std::string>(), (std::vector<std::string>{"xyz", "q"}));
}

TEST(FileCache, AnAbandonedOrFailedFirstPassLeavesNoCache) {
  TempDir dir;
  auto calls = std::make_shared<std::atomic<int>>(0);
  Dataset ds = counted_range(6, calls).cache(dir.file("c"));
  {
    auto it = ds.make_iterator();
    EXPECT_EQ(it->next()->at(0).item<int64_t>(), 0);
    EXPECT_EQ(it->next()->at(0).item<int64_t>(), 1);
  }  // abandoned after two elements
  EXPECT_FALSE(std::filesystem::exists(dir.file("c")));
  EXPECT_FALSE(has_temp_files(dir));
  EXPECT_EQ(scalars(ds.take(3)), iota(0, 3));  // take stops early too: still no cache
  EXPECT_FALSE(std::filesystem::exists(dir.file("c")));
  *calls = 0;
  EXPECT_EQ(scalars(ds), iota(0, 6));  // a full pass: runs the input, writes the file
  EXPECT_EQ(*calls, 6);
  EXPECT_EQ(scalars(ds), iota(0, 6));
  EXPECT_EQ(*calls, 6);

  Dataset failing = Dataset::range(4)
                        .map([](const Element& e) -> Element {
                          TANDEM_CHECK(e[0].item<int64_t>() != 2, ValueError, "boom");
                          return e;
                        })
                        .cache(dir.file("f"));
  expect_error<ValueError>([&] { failing.collect(); }, "boom");
  EXPECT_FALSE(std::filesystem::exists(dir.file("f")));
  EXPECT_FALSE(has_temp_files(dir));
}

TEST(FileCache, EmptyInputAndEmptyFilename) {
  TempDir dir;
  Dataset empty = Dataset::range(0).cache(dir.file("e"));
  EXPECT_TRUE(empty.collect().empty());
  EXPECT_TRUE(std::filesystem::exists(dir.file("e")));
  EXPECT_TRUE(empty.collect().empty());
  // "" caches in memory, like tf.data.
  auto calls = std::make_shared<std::atomic<int>>(0);
  Dataset mem = counted_range(3, calls).cache("");
  EXPECT_EQ(scalars(mem), iota(0, 3));
  EXPECT_EQ(scalars(mem), iota(0, 3));
  EXPECT_EQ(*calls, 3);
}

TEST(FileCache, TruncatedOrCorruptFilesRaiseIOErrorWithTheOffset) {
  TempDir dir;
  std::string path = dir.file("c");
  Dataset ds = Dataset::range(3).cache(path);
  ds.collect();
  std::string good = read_bytes(path);
  // Magic (8) + 3 element records + the end record; an int64 scalar element record is
  // 12 (header) + 1 (kind) + 1 (map flag) + 4 (count) + 1 (dtype) + 4 (rank) + 8 (value) = 31.
  ASSERT_EQ(good.size(), 8u + 3 * 31 + 12 + 9);

  write_bytes(path, good.substr(0, good.size() - 21));  // the end record is missing
  auto it = ds.make_iterator();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(it->next().has_value());
  expect_error<IOError>([&] { it->next(); }, "'" + path + "' at byte offset 101: truncated");

  write_bytes(path, good.substr(0, 8 + 31 + 20));  // cut inside the second record
  expect_error<IOError>([&] { ds.collect(); }, "'" + path + "' at byte offset 39: truncated");

  std::string flipped = good;
  flipped[8 + 31 + 30] ^= 0x10;  // a bit of the second element's value
  write_bytes(path, flipped);
  expect_error<IOError>([&] { ds.collect(); },
                        "'" + path + "' at byte offset 39: checksum mismatch");

  write_bytes(path, "not a cache at all");
  expect_error<IOError>([&] { ds.collect(); }, "'" + path + "' at byte offset 0: not a Tandem");
}

// A record with a valid checksum whose tensor declares a shape of (2^40, 2^24): the element count
// overflows int64, and it used to load as a tensor of 0 bytes that kernels then read past.
TEST(FileCache, HostileShapeWithAValidChecksumIsCorruptNotATensor) {
  TempDir dir;
  std::string path = dir.file("c");
  auto u32 = [](uint32_t v) {
    std::string b(4, '\0');
    io::store_le32(b.data(), v);
    return b;
  };
  auto u64 = [](uint64_t v) {
    std::string b(8, '\0');
    io::store_le64(b.data(), v);
    return b;
  };
  auto record = [&](const std::string& payload) {
    return u64(payload.size()) + u32(io::crc32c_mask(io::crc32c(payload.data(), payload.size()))) +
           payload;
  };
  auto element = [&](std::vector<uint64_t> dims, const std::string& data) {
    std::string p = "E";
    p += '\0';                                     // a tuple
    p += u32(1);                                   // one component
    p += static_cast<char>(DType::kFloat32);       // dtype
    p += u32(static_cast<uint32_t>(dims.size()));  // rank
    for (uint64_t d : dims) p += u64(d);
    return p + data;
  };
  std::string end = record(std::string("Z").append(u64(1)));
  auto cache_file = [&](const std::string& element_record) {
    std::string out = "TDCACHE1";
    out.append(element_record);
    out.append(end);
    return out;
  };
  write_bytes(
      path,
      cache_file(record(element({uint64_t{1} << 40, uint64_t{1} << 24}, std::string(8, '\0')))));
  Dataset ds = Dataset::range(1).cache(path);
  expect_error<IOError>([&] { ds.collect(); },
                        "'" + path +
                            "' at byte offset 8: corrupt record: tensor of shape (1099511627776, "
                            "16777216) and dtype float32 is larger than its record");
  // A shape that fits in int64 but not in the record is refused before it is allocated.
  write_bytes(path, cache_file(record(element({uint64_t{1} << 40, 4}, std::string(8, '\0')))));
  expect_error<IOError>([&] { ds.collect(); }, "is larger than its record");
  // The same layout with a shape that matches its data reads back.
  write_bytes(path, cache_file(record(element({2}, std::string("\0\0\x80\x3f\0\0\0\x40", 8)))));
  std::vector<Element> got = ds.collect();
  ASSERT_EQ(got.size(), 1u);
  expect_values(got[0].components()[0], {1, 2});
}

}  // namespace
}  // namespace tandem::data
