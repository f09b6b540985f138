// TFRecordDataset over files written by io::TFRecordWriter: records in order across files, all
// compressions, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tandem/data/dataset.h"
#include "tandem/io/tfrecord_writer.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
namespace fs = std::filesystem;

class TFRecordDatasetTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::vector<std::string>& records,
                    const std::string& compression = "") {
    std::string path = (dir_ / name).string();
    io::TFRecordWriter writer(path, io::TFRecordOptions{.compression_type = compression});
    for (const std::string& r : records) writer.write(r);
    writer.close();
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

TEST_F(TFRecordDatasetTest, ReadsRecordsOfEveryFileInOrder) {
  std::string a = write("a.tfrecord", {"one", "", std::string(3000, 'x')});
  std::string b = write("b.tfrecord", {"four"});
  Dataset ds = TFRecordDataset({a, b});
  EXPECT_EQ(strings(ds), (std::vector<std::string>{"one", "", std::string(3000, 'x'), "four"}));
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  // File-sharded pipeline: list_files -> interleave(TFRecordDataset).
  Dataset files =
      Dataset::list_files((dir_ / "*.tfrecord").string(), false)
          .interleave([](const Element& e) { return TFRecordDataset(e[0].item<std::string>()); },
                      {.cycle_length = 2});
  EXPECT_EQ(strings(files), (std::vector<std::string>{"one", "four", "", std::string(3000, 'x')}));
}

TEST_F(TFRecordDatasetTest, GzipAndZlib) {
  for (const char* c : {"GZIP", "ZLIB"}) {
    std::string path = write(std::string("c_") + c, {"alpha", "beta"}, c);
    EXPECT_EQ(strings(TFRecordDataset(path, {.compression_type = c})),
              (std::vector<std::string>{"alpha", "beta"}))
        << c;
  }
  expect_error<ValueError>([] { TFRecordDataset("x", {.compression_type = "LZ4"}); },
                           "compression_type must be");
}

TEST_F(TFRecordDatasetTest, MissingAndCorruptFilesRaiseIOError) {
  std::string missing = (dir_ / "missing.tfrecord").string();
  expect_error<IOError>([&] { TFRecordDataset(missing).collect(); }, missing);
  std::string path = write("bad.tfrecord", {"good", "spoiled"});
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-6, std::ios::end);  // inside the second record's data
    f.put('#');
  }
  auto it = TFRecordDataset(path).make_iterator();
  EXPECT_EQ(it->next()->at(0).item<std::string>(), "good");
  expect_error<IOError>([&] { it->next(); }, path);
  EXPECT_EQ(strings(TFRecordDataset(path, {.skip_corrupt_records = true})),
            (std::vector<std::string>{"good"}));
}

}  // namespace
}  // namespace tandem::data
