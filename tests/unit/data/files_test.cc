// File sources: list_files and TextLineDataset.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data_test_util.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::vector<std::string> strings(const Dataset& ds) {
    std::vector<std::string> out;
    for (const Element& e : ds) out.push_back(e[0].item<std::string>());
    return out;
  }
  tandem::testing::TempDir tmp_;
  const fs::path& dir_ = tmp_.path();
};

TEST_F(FilesTest, ListFilesSortsOrShufflesWithASeed) {
  std::vector<std::string> paths;
  for (const char* n : {"c.txt", "a.txt", "b.txt", "d.txt", "e.txt", "f.txt"})
    paths.push_back(write(n, ""));
  write("skip.csv", "");
  std::string pattern = (dir_ / "*.txt").string();
  std::vector<std::string> sorted = strings(Dataset::list_files(pattern, false));
  ASSERT_EQ(sorted.size(), 6u);
  EXPECT_EQ(fs::path(sorted[0]).filename(), "a.txt");
  EXPECT_EQ(fs::path(sorted[5]).filename(), "f.txt");
  Dataset shuffled = Dataset::list_files(pattern, true, 5);
  std::vector<std::string> once = strings(shuffled);
  EXPECT_NE(once, sorted);
  std::vector<std::string> copy = once;
  std::sort(copy.begin(), copy.end());
  EXPECT_EQ(copy, sorted);
  shuffled.set_epoch(0);
  EXPECT_EQ(strings(shuffled), once);
  EXPECT_EQ(strings(Dataset::list_files(pattern, true, 5)), once);
  // Several patterns, duplicates removed.
  EXPECT_EQ(strings(Dataset::list_files({pattern, (dir_ / "a.*").string()}, false)).size(), 6u);
}

TEST_F(FilesTest, ListFilesWithoutAMatchNamesThePattern) {
  std::string pattern = (dir_ / "*.tfrecord").string();
  expect_error<IOError>([&] { Dataset::list_files(pattern); },
                        "no files matched pattern '" + pattern + "'");
}

TEST_F(FilesTest, TextLineDatasetReadsLinesOfEveryFile) {
  std::string a = write("a.txt", "first\nsecond\r\n\nlast without newline");
  std::string b = write("b.txt", "b1\n");
  Dataset ds = TextLineDataset({a, b});
  EXPECT_EQ(strings(ds),
            (std::vector<std::string>{"first", "second", "", "last without newline", "b1"}));
  EXPECT_EQ(ds.collect()[0][0].dtype(), string);
  EXPECT_EQ(ds.collect()[0][0].rank(), 0);
  // Composes with list_files through interleave, like tf.data.
  Dataset lines =
      Dataset::list_files((dir_ / "*.txt").string(), false)
          .interleave([](const Element& e) { return TextLineDataset(e[0].item<std::string>()); },
                      {.cycle_length = 1});
  EXPECT_EQ(strings(lines).size(), 5u);
}

TEST_F(FilesTest, TextLineDatasetMissingFileIsAnIOError) {
  std::string missing = (dir_ / "nope.txt").string();
  std::string ok = write("ok.txt", "x\n");
  Dataset ds = TextLineDataset({ok, missing});
  auto it = ds.make_iterator();
  EXPECT_EQ(it->next()->at(0).item<std::string>(), "x");
  expect_error<IOError>([&] { it->next(); }, "TextLineDataset: cannot open '" + missing + "'");
}

}  // namespace
}  // namespace tandem::data
