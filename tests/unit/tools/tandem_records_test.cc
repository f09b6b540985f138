// Runs the tandem-records binary on a tiny IDX dataset and reads its shards back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tandem/io/parse_example.h"
#include "tandem/io/tfrecord_reader.h"
#include "testing/temp_files.h"

namespace tandem {
namespace {

using tandem::testing::read_bytes;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

std::string header(int rank, std::vector<uint32_t> dims) {
  std::string s = {0, 0, 0x08, static_cast<char>(rank)};
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  return s;
}

// Image i has every pixel equal to 10 * i and label i % 10.
void write_split(const TempDir& dir, const std::string& prefix, int n) {
  std::string images = header(3, {static_cast<uint32_t>(n), 28, 28});
  std::string labels = header(1, {static_cast<uint32_t>(n)});
  for (int i = 0; i < n; ++i) {
    images += std::string(784, static_cast<char>(10 * i));
    labels.push_back(static_cast<char>(i % 10));
  }
  write_bytes(dir.file(prefix + "-images-idx3-ubyte"), images);
  write_bytes(dir.file(prefix + "-labels-idx1-ubyte"), labels);
}

int run(const std::string& args, const std::string& log) {
#ifdef TANDEM_RECORDS_BIN
  return std::system((std::string(TANDEM_RECORDS_BIN) + " " + args + " >" + log + " 2>&1").c_str());
#else
  (void)args;
  (void)log;
  return -1;
#endif
}

const io::FeatureSpecs kSpec = {
    {"image", io::FixedLenFeature{.shape = {}, .dtype = DType::kString}},
    {"label", io::FixedLenFeature{.shape = {}, .dtype = DType::kInt64}}};

TEST(TandemRecords, ShardsFashionMnistAndReadsBack) {
#ifndef TANDEM_RECORDS_BIN
  GTEST_SKIP() << "tandem-records is not built";
#endif
  TempDir data, out;
  write_split(data, "train", 10);
  write_split(data, "t10k", 4);
  for (std::string compression : {"", "GZIP"}) {
    std::string args = "--data-dir " + data.path().string() + " --output-dir " +
                       out.path().string() + " --num-shards 3 --prefix fm" + compression +
                       (compression.empty() ? "" : " --compression " + compression);
    ASSERT_EQ(run(args, out.file("log.txt")), 0) << read_bytes(out.file("log.txt"));
    EXPECT_NE(read_bytes(out.file("log.txt")).find("wrote 10 train examples into 3 shard(s)"),
              std::string::npos);
    std::vector<int> per_shard;
    std::vector<bool> seen(10, false);
    for (int s = 0; s < 3; ++s) {
      std::string path =
          out.file("fm" + compression + "-train-0000" + std::to_string(s) + "-of-00003.tfrecord");
      io::TFRecordReader reader(path, {.compression_type = compression});
      int count = 0;
      while (auto record = reader.next()) {
        auto features = io::parse_single_example(*record, kSpec);
        auto label = features.at("label").item<int64_t>();
        std::string image = features.at("image").to_vector<std::string>()[0];
        ASSERT_EQ(image.size(), 784u);
        int i = static_cast<unsigned char>(image[0]) / 10;  // recover the index from the pixels
        EXPECT_EQ(i % 3, s);                                // example k goes to shard k % 3
        EXPECT_EQ(label, i % 10);
        seen[i] = true;
        ++count;
      }
      per_shard.push_back(count);
    }
    EXPECT_EQ(per_shard, (std::vector<int>{4, 3, 3})) << compression;
    EXPECT_EQ(seen, std::vector<bool>(10, true));
    io::TFRecordReader test_shard(out.file("fm" + compression + "-test-00000-of-00003.tfrecord"),
                                  {.compression_type = compression});
    int test_count = 0;
    while (test_shard.next()) ++test_count;
    EXPECT_EQ(test_count, 2);  // test examples 0 and 3
  }
}

TEST(TandemRecords, BadArgumentsFailWithMessage) {
#ifndef TANDEM_RECORDS_BIN
  GTEST_SKIP() << "tandem-records is not built";
#endif
  TempDir out;
  EXPECT_NE(run("--data-dir /no/such/dir --output-dir " + out.path().string(), out.file("l")), 0);
  EXPECT_NE(read_bytes(out.file("l")).find("'/no/such/dir' does not exist"), std::string::npos);
  EXPECT_NE(run("--output-dir " + out.path().string() + " --num-shards 0", out.file("l")), 0);
  EXPECT_NE(read_bytes(out.file("l")).find("--num-shards must be at least 1"), std::string::npos);
}

}  // namespace
}  // namespace tandem
