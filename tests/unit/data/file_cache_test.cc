// Dataset::cache(filename): the first full pass writes the file, later passes read it without
// running the input; abandoned passes leave nothing; damaged files raise IOError with the offset.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "data_test_util.h"
#include "tandem/data/dataset.h"
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

}  // namespace
}  // namespace tandem::data
