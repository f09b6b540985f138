#include "tandem/data/readers/idx_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "tandem/core/allocator.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

std::string idx_header(int type, std::vector<uint32_t> dims) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  return s;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
}

TEST(IdxReader, ReadsUint8Images) {
  TempDir dir;
  std::string body = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, static_cast<char>(255)};
  write_bytes(dir.file("x-idx3-ubyte"), idx_header(0x08, {2, 2, 3}) + body);
  Tensor t = read_idx(dir.file("x-idx3-ubyte"));
  EXPECT_EQ(t.dtype(), DType::kUInt8);
  EXPECT_EQ(t.shape(), Shape({2, 2, 3}));
  expect_values(t, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255});
}

TEST(IdxReader, GzipDetectedByMagicNotName) {
  TempDir dir;
  write_gzip(dir.file("labels.idx"), idx_header(0x08, {3}) + std::string{7, 8, 9});
  Tensor t = read_idx(dir.file("labels.idx"));
  EXPECT_EQ(t.shape(), Shape({3}));
  expect_values(t, {7, 8, 9});
}

TEST(IdxReader, BigEndianWiderTypes) {
  TempDir dir;
  write_bytes(dir.file("i"),
              idx_header(0x0C, {2}) + std::string("\x00\x00\x01\x00\xff\xff\xff\xfe", 8));
  expect_values(read_idx(dir.file("i")), {256, -2});
  write_bytes(dir.file("f"), idx_header(0x0D, {1}) + std::string("\x3f\xc0\x00\x00", 4));
  Tensor f = read_idx(dir.file("f"));
  EXPECT_EQ(f.dtype(), DType::kFloat32);
  expect_values(f, {1.5});
  write_bytes(dir.file("s"), idx_header(0x0B, {1}) + std::string("\xff\x9c", 2));
  expect_values(read_idx(dir.file("s")), {-100});
}

TEST(IdxReader, WrongMagicNumber) {
  TempDir dir;
  write_bytes(dir.file("bad"), std::string("\x12\x34\x08\x01", 4) + std::string(8, '\0'));
  expect_error<IOError>([&] { read_idx(dir.file("bad")); }, "wrong magic number 0x12340801");
  write_bytes(dir.file("type"), idx_header(0x07, {1}) + "x");
  expect_error<IOError>([&] { read_idx(dir.file("type")); }, "type' is not an IDX file");
}

TEST(IdxReader, TruncatedBodyNamesSizes) {
  TempDir dir;
  write_bytes(dir.file("t"), idx_header(0x08, {2, 28, 28}) + std::string(1000, 'a'));
  expect_error<IOError>([&] { read_idx(dir.file("t")); },
                        "truncated IDX file '" + dir.file("t") +
                            "': expected 1568 bytes of unsigned byte data for shape (2, 28, 28), "
                            "received 1000");
  write_bytes(dir.file("h"), idx_header(0x08, {2, 28, 28}).substr(0, 9));
  expect_error<IOError>([&] { read_idx(dir.file("h")); }, "expected a 16-byte header for rank 3");
}

TEST(IdxReader, HugeHeaderShapeDoesNotOverflow) {
  TempDir dir;
  write_bytes(dir.file("big"), idx_header(0x08, {0xffffffffu, 0xffffffffu, 0xffffffffu}) + "x");
  expect_error<IOError>([&] { read_idx(dir.file("big")); }, "has more than 2^56 elements");
}

TEST(IdxReader, TruncatedGzip) {
  TempDir dir;
  write_gzip(dir.file("g"), idx_header(0x08, {4000}) + std::string(4000, 'q'));
  std::string raw = tandem::testing::read_bytes(dir.file("g"));
  write_bytes(dir.file("g"), raw.substr(0, raw.size() - 10));
  expect_error<IOError>([&] { read_idx(dir.file("g")); }, dir.file("g"));
}

TEST(IdxReader, MissingFile) {
  expect_error<IOError>([] { read_idx("/no/such/file-idx1-ubyte"); }, "/no/such/file-idx1-ubyte");
}

std::string gzip_bytes(const std::string& bytes) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A gzip bomb: a few KiB that declare (and would inflate to) far more. The header is checked
// against what the compressed bytes can hold before anything is allocated or inflated.
TEST(IdxReader, GzipHeaderDeclaringMoreThanTheFileCanHoldIsRejectedFirst) {
  TempDir dir;
  std::string bomb = gzip_bytes(idx_header(0x08, {1u << 20, 1u << 20}) + std::string(1 << 20, 0));
  write_bytes(dir.file("bomb"), bomb);
  AllocatorStats before = cpu_allocator::stats();
  expect_error<IOError>([&] { read_idx(dir.file("bomb")); },
                        "truncated IDX file '" + dir.file("bomb") +
                            "': header shape (1048576, 1048576) declares 1099511627776 bytes of "
                            "unsigned byte data, more than its " +
                            std::to_string(bomb.size()) + " gzipped bytes can inflate to");
  EXPECT_LT(cpu_allocator::stats().bytes_in_use - before.bytes_in_use, 1 << 20)
      << "nothing the size of the declared body was allocated";
}

// The body streams: a plausible header over a body that goes on is an error once the declared
// size has been read, and a short body names what arrived.
TEST(IdxReader, GzipBodyLongerOrShorterThanTheHeaderIsAnError) {
  TempDir dir;
  write_bytes(dir.file("long"), gzip_bytes(idx_header(0x08, {4, 4}) + std::string(100000, 1)));
  expect_error<IOError>([&] { read_idx(dir.file("long")); },
                        "oversized IDX file '" + dir.file("long") +
                            "': expected 16 bytes of unsigned byte data for shape (4, 4), "
                            "received more (the data goes on past uncompressed byte offset 28)");
  write_bytes(dir.file("short"), gzip_bytes(idx_header(0x0C, {3}) + std::string(10, 1)));
  expect_error<IOError>([&] { read_idx(dir.file("short")); },
                        "truncated IDX file '" + dir.file("short") +
                            "': expected 12 bytes of int data for shape (3,), received 10");
}

// An IDX file larger than one streaming chunk, gzipped as two members (`cat a.gz b.gz`).
TEST(IdxReader, LargeGzipBodyOfTwoMembersStreamsIntoTheTensor) {
  TempDir dir;
  const uint32_t n = 100000;
  std::string body;
  for (uint32_t i = 0; i < n; ++i) {
    int16_t v = static_cast<int16_t>(i * 7 - 30000);
    body.push_back(static_cast<char>((v >> 8) & 0xff));
    body.push_back(static_cast<char>(v & 0xff));
  }
  std::string all = idx_header(0x0B, {n}) + body;
  write_bytes(dir.file("two"), gzip_bytes(all.substr(0, 12345)) + gzip_bytes(all.substr(12345)));
  Tensor t = read_idx(dir.file("two"));
  ASSERT_EQ(t.shape(), Shape({n}));
  std::vector<int32_t> v = t.to_vector<int32_t>();
  for (uint32_t i : {0u, 1u, 6170u, 65535u, 65536u, n - 1})
    EXPECT_EQ(v[i], static_cast<int16_t>(i * 7 - 30000)) << "element " << i;
}

TEST(IdxReader, ParseIdxFromMemoryChecksSizes) {
  Tensor t = parse_idx(idx_header(0x08, {2}) + std::string{5, 6}, "mem");
  expect_values(t, {5, 6});
  expect_error<IOError>(
      [] {
        parse_idx(idx_header(0x08, {2}) + std::string{5, 6, 7}, "mem");
      },
      "oversized IDX file 'mem': expected 2 bytes of unsigned byte data for "
      "shape (2,), received 3");
}

}  // namespace
}  // namespace tandem::data
