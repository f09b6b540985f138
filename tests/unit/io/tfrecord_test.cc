#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "tandem/io/tfrecord_format.h"
#include "tandem/io/tfrecord_reader.h"
#include "tandem/io/tfrecord_writer.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::io {
namespace {

using tandem::testing::expect_error;
using tandem::testing::read_bytes;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

// The framed record "hello", computed independently: length 5 as uint64 LE, masked CRC32C of those
// 8 bytes (0x3e04b2ea), the data, masked CRC32C of "hello" (crc 0x9a71bb4c, masked 0x191c1fbb).
const std::vector<unsigned char> kHelloRecord = {0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                                 0x00, 0xea, 0xb2, 0x04, 0x3e, 0x68, 0x65,
                                                 0x6c, 0x6c, 0x6f, 0xbb, 0x1f, 0x1c, 0x19};

std::string hello_bytes() { return std::string(kHelloRecord.begin(), kHelloRecord.end()); }

std::vector<std::string> read_all(const std::string& path, TFRecordReaderOptions options = {}) {
  TFRecordReader reader(path, options);
  std::vector<std::string> out;
  while (auto r = reader.next()) out.push_back(*r);
  return out;
}

std::vector<std::string> sample_records() {
  return {"hello", "", std::string(100000, 'x'), std::string("\0\1\2", 3), "last"};
}

TEST(TFRecord, FrameOfHelloMatchesHandComputedBytes) {
  EXPECT_EQ(frame_tfrecord("hello"), hello_bytes());
}

TEST(TFRecord, WriterProducesExactBytes) {
  TempDir dir;
  {
    TFRecordWriter writer(dir.file("a.tfrecord"));
    writer.write("hello");
    writer.write("hello");
    EXPECT_EQ(writer.num_records(), 2);
  }
  EXPECT_EQ(read_bytes(dir.file("a.tfrecord")), hello_bytes() + hello_bytes());
}

TEST(TFRecord, ReaderReadsHandMadeFile) {
  TempDir dir;
  write_bytes(dir.file("h.tfrecord"), hello_bytes());
  EXPECT_EQ(read_all(dir.file("h.tfrecord")), std::vector<std::string>{"hello"});
}

TEST(TFRecord, RoundTripAllCompressions) {
  TempDir dir;
  for (std::string type : {"", "GZIP", "ZLIB"}) {
    std::string path = dir.file("r" + type + ".tfrecord");
    {
      TFRecordWriter writer(path, {.compression_type = type});
      for (const auto& r : sample_records()) writer.write(r);
      writer.close();
    }
    EXPECT_EQ(read_all(path, {.compression_type = type}), sample_records()) << type;
  }
}

TEST(TFRecord, GzipFileIsAGzipStreamOfTheFramedRecords) {
  TempDir dir;
  std::string path = dir.file("g.tfrecord.gz");
  {
    TFRecordWriter writer(path, {.compression_type = "GZIP"});
    writer.write("hello");
  }
  std::string raw = read_bytes(path);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f);  // gzip magic, as TensorFlow writes
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b);
  // Inflating with zlib itself gives back exactly the uncompressed framing.
  gzFile gz = gzopen(path.c_str(), "rb");
  ASSERT_NE(gz, nullptr);
  char buf[64];
  int n = gzread(gz, buf, sizeof(buf));
  gzclose(gz);
  EXPECT_EQ(std::string(buf, n), hello_bytes());
}

TEST(TFRecord, ZlibFileHasZlibHeader) {
  TempDir dir;
  std::string path = dir.file("z.tfrecord");
  {
    TFRecordWriter writer(path, {.compression_type = "ZLIB"});
    writer.write("hello");
  }
  std::string raw = read_bytes(path);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x78);  // deflate, 32 KiB window
  std::vector<unsigned char> out(64);
  uLongf out_len = out.size();
  ASSERT_EQ(
      uncompress(out.data(), &out_len, reinterpret_cast<const Bytef*>(raw.data()), raw.size()),
      Z_OK);
  EXPECT_EQ(std::string(out.begin(), out.begin() + out_len), hello_bytes());
}

TEST(TFRecord, MissingFileNamesIt) {
  expect_error<IOError>([] { TFRecordReader reader("/nonexistent/dir/x.tfrecord"); },
                        "/nonexistent/dir/x.tfrecord");
}

TEST(TFRecord, UnknownCompressionIsValueError) {
  TempDir dir;
  expect_error<ValueError>(
      [&] { TFRecordWriter writer(dir.file("x"), {.compression_type = "LZ4"}); }, "LZ4");
}

TEST(TFRecord, TruncatedRecordNamesFileAndOffset) {
  TempDir dir;
  std::string path = dir.file("t.tfrecord");
  std::string two = hello_bytes() + hello_bytes();
  write_bytes(path, two.substr(0, two.size() - 3));
  TFRecordReader reader(path);
  EXPECT_EQ(reader.next().value(), "hello");
  expect_error<IOError>([&] { reader.next(); }, "t.tfrecord' at byte offset 21");
  TFRecordReader reader2(path);
  reader2.next();
  expect_error<IOError>([&] { reader2.next(); }, "truncated record");
}

TEST(TFRecord, TruncatedHeader) {
  TempDir dir;
  std::string path = dir.file("th.tfrecord");
  write_bytes(path, hello_bytes() + hello_bytes().substr(0, 5));
  TFRecordReader reader(path);
  EXPECT_TRUE(reader.next().has_value());
  expect_error<IOError>([&] { reader.next(); }, "truncated record header in '" + path +
                                                    "' at byte offset 21: expected 12 bytes");
}

TEST(TFRecord, CorruptedDataNamesOffset) {
  TempDir dir;
  std::string path = dir.file("c.tfrecord");
  std::string bytes = hello_bytes() + hello_bytes() + hello_bytes();
  bytes[21 + 13] = 'X';  // second record's data
  write_bytes(path, bytes);
  TFRecordReader reader(path);
  EXPECT_EQ(reader.next().value(), "hello");
  expect_error<IOError>([&] { reader.next(); }, "at byte offset 21: data CRC mismatch");
}

TEST(TFRecord, SkipCorruptDataRecordContinues) {
  TempDir dir;
  std::string path = dir.file("c.tfrecord");
  std::string bytes = frame_tfrecord("one") + frame_tfrecord("two") + frame_tfrecord("three");
  bytes[19 + 12] = 'X';  // "two"'s data ("one" frames to 19 bytes)
  write_bytes(path, bytes);
  TFRecordReader reader(path, {.skip_corrupt_records = true});
  std::vector<std::string> got;
  while (auto r = reader.next()) got.push_back(*r);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(reader.num_skipped(), 1);
  EXPECT_EQ(reader.num_records(), 2);
}

TEST(TFRecord, CorruptLengthErrorsOrResyncs) {
  TempDir dir;
  std::string path = dir.file("l.tfrecord");
  std::string bytes = frame_tfrecord("one") + frame_tfrecord("two") + frame_tfrecord("three");
  bytes[19] = 0x7f;  // "two"'s length
  write_bytes(path, bytes);
  {
    TFRecordReader reader(path);
    reader.next();
    expect_error<IOError>([&] { reader.next(); }, "at byte offset 19: length CRC mismatch");
  }
  TFRecordReader reader(path, {.skip_corrupt_records = true});
  std::vector<std::string> got;
  while (auto r = reader.next()) got.push_back(*r);
  EXPECT_EQ(got, (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(reader.num_skipped(), 1);
}

TEST(TFRecord, SkipTruncatedTailCountsIt) {
  TempDir dir;
  std::string path = dir.file("s.tfrecord");
  std::string bytes = frame_tfrecord("one") + frame_tfrecord("two");
  write_bytes(path, bytes.substr(0, bytes.size() - 1));
  TFRecordReader reader(path, {.skip_corrupt_records = true});
  EXPECT_EQ(reader.next().value(), "one");
  EXPECT_FALSE(reader.next().has_value());
  EXPECT_EQ(reader.num_skipped(), 1);
}

TEST(TFRecord, TruncatedGzipStreamIsIOError) {
  TempDir dir;
  std::string path = dir.file("g.tfrecord");
  {
    TFRecordWriter writer(path, {.compression_type = "GZIP"});
    for (int i = 0; i < 100; ++i) writer.write("record number " + std::to_string(i));
  }
  std::string raw = read_bytes(path);
  write_bytes(path, raw.substr(0, raw.size() / 2));
  expect_error<IOError>([&] { read_all(path, {.compression_type = "GZIP"}); }, path);
}

TEST(TFRecord, HugeLengthWithValidCrcIsTruncationNotACrash) {
  TempDir dir;
  std::string header(12, '\0');
  encode_tfrecord_header(uint64_t{1} << 40, header.data());
  write_bytes(dir.file("huge"), header + "tiny");
  expect_error<IOError>([&] { read_all(dir.file("huge")); },
                        "truncated record in '" + dir.file("huge") + "' at byte offset 0");
  encode_tfrecord_header(~uint64_t{0}, header.data());
  write_bytes(dir.file("max"), header);
  expect_error<IOError>([&] { read_all(dir.file("max")); }, "exceeds the");
}

TEST(TFRecord, SmallBufferReadsLargeRecords) {
  TempDir dir;
  std::string path = dir.file("b.tfrecord");
  {
    TFRecordWriter writer(path);
    for (const auto& r : sample_records()) writer.write(r);
  }
  EXPECT_EQ(read_all(path, {.buffer_size = 7}), sample_records());
}

TEST(TFRecord, EmptyFileHasNoRecords) {
  TempDir dir;
  write_bytes(dir.file("e"), "");
  EXPECT_TRUE(read_all(dir.file("e")).empty());
}

// `cat a.gz b.gz` is a valid gzip file; TensorFlow reads the records of every member.
TEST(TFRecord, GzipFileOfSeveralMembersReadsThemAll) {
  TempDir dir;
  auto write = [&](const std::string& path, const std::vector<std::string>& records,
                   const std::string& type) {
    TFRecordWriter writer(path, {.compression_type = type});
    for (const auto& r : records) writer.write(r);
  };
  write(dir.file("a"), {"one", std::string(70000, 'a')}, "GZIP");
  write(dir.file("b"), {"two", "three"}, "GZIP");
  write(dir.file("e"), {}, "GZIP");
  std::string a = read_bytes(dir.file("a")), b = read_bytes(dir.file("b"));
  std::string e = read_bytes(dir.file("e"));
  write_bytes(dir.file("ab"), a + e + b);
  EXPECT_EQ(read_all(dir.file("ab"), {.compression_type = "GZIP"}),
            (std::vector<std::string>{"one", std::string(70000, 'a'), "two", "three"}));
  // Bytes after the last member are an error naming where they start, not silently ignored.
  write_bytes(dir.file("junk"), a + b + "junk");
  expect_error<IOError>([&] { read_all(dir.file("junk"), {.compression_type = "GZIP"}); },
                        "unexpected data after the end of the GZIP stream in '" + dir.file("junk") +
                            "' at compressed byte offset " + std::to_string(a.size() + b.size()));
  write(dir.file("z"), {"zlib"}, "ZLIB");
  std::string z = read_bytes(dir.file("z"));
  write_bytes(dir.file("zz"), z + z);
  expect_error<IOError>([&] { read_all(dir.file("zz"), {.compression_type = "ZLIB"}); },
                        "unexpected data after the end of the ZLIB stream in '" + dir.file("zz") +
                            "' at compressed byte offset " + std::to_string(z.size()) +
                            ": expected the end of the file");
}

}  // namespace
}  // namespace tandem::io
