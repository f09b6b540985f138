#include "tandem/io/input_stream.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "tandem/core/error.h"

namespace tandem::io {

namespace {
constexpr size_t kCompressedChunk = 256 * 1024;
constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // zlib's convention for a gzip wrapper
}  // namespace

struct InputStream::Inflater {
  z_stream z{};
  std::vector<unsigned char> in = std::vector<unsigned char>(kCompressedChunk);
  bool finished = false;
  bool member_ended = false;       // inflate reached the end of a gzip member / zlib stream
  uint64_t compressed_offset = 0;  // compressed bytes read from the file so far
};

InputStream::InputStream(std::string path, CompressionType compression)
    : path_(std::move(path)), compression_(compression) {
  file_ = std::fopen(path_.c_str(), "rb");
  TANDEM_CHECK(file_ != nullptr, IOError, "cannot open '", path_,
               "' for reading: ", std::strerror(errno));
  if (compression_ == CompressionType::kNone) return;
  inflater_ = std::make_unique<Inflater>();
  int bits = compression_ == CompressionType::kGzip ? kGzipWindowBits : MAX_WBITS;
  if (inflateInit2(&inflater_->z, bits) != Z_OK) {
    std::fclose(file_);
    throw IOError("cannot initialise zlib to read '" + path_ + "'");
  }
}

InputStream::~InputStream() {
  if (inflater_) inflateEnd(&inflater_->z);
  if (file_) std::fclose(file_);
}

size_t InputStream::read(void* dst, size_t n) {
  size_t got = compression_ == CompressionType::kNone ? read_raw(dst, n) : read_inflated(dst, n);
  position_ += got;
  return got;
}

size_t InputStream::read_raw(void* dst, size_t n) {
  size_t got = std::fread(dst, 1, n, file_);
  TANDEM_CHECK(got == n || !std::ferror(file_), IOError, "error reading '", path_,
               "' at byte offset ", position_ + got, ": ", std::strerror(errno));
  return got;
}

bool InputStream::fill_input(size_t want) {
  Inflater& f = *inflater_;
  if (f.z.avail_in >= want) return true;
  size_t have = f.z.avail_in;
  if (have > 0) std::memmove(f.in.data(), f.z.next_in, have);
  while (have < want) {
    size_t got = read_raw(f.in.data() + have, f.in.size() - have);
    if (got == 0) break;
    f.compressed_offset += got;
    have += got;
  }
  f.z.next_in = f.in.data();
  f.z.avail_in = static_cast<uInt>(have);
  return have >= want;
}

size_t InputStream::read_inflated(void* dst, size_t n) {
  Inflater& f = *inflater_;
  f.z.next_out = static_cast<unsigned char*>(dst);
  f.z.avail_out = static_cast<uInt>(n);
  const std::string kind = compression_type_name(compression_);
  while (f.z.avail_out > 0 && !f.finished) {
    if (f.member_ended) {
      // A gzip file may be several members one after another (`cat a.gz b.gz`); like TensorFlow
      // (and gunzip), read on through all of them. Anything else after the end is an error.
      uint64_t end = f.compressed_offset - f.z.avail_in;
      fill_input(2);
      if (f.z.avail_in == 0) {
        f.finished = true;
        break;
      }
      bool member = compression_ == CompressionType::kGzip && f.z.avail_in >= 2 &&
                    f.z.next_in[0] == 0x1f && f.z.next_in[1] == 0x8b;
      TANDEM_CHECK(member, IOError, "unexpected data after the end of the ", kind, " stream in '",
                   path_, "' at compressed byte offset ", end,
                   compression_ == CompressionType::kGzip
                       ? ": expected another gzip member (bytes 1f 8b) or the end of the file"
                       : ": expected the end of the file");
      TANDEM_CHECK(inflateReset(&f.z) == Z_OK, IOError, "cannot reset zlib to read the next ",
                   "gzip member of '", path_, "' at compressed byte offset ", end);
      f.member_ended = false;
    }
    if (f.z.avail_in == 0 && !fill_input(1)) {
      throw IOError("truncated " + kind + " stream in '" + path_ +
                    "': compressed data ends at byte offset " +
                    std::to_string(f.compressed_offset) + " before the end of the stream");
    }
    int rc = inflate(&f.z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      f.member_ended = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw IOError("corrupt " + kind + " stream in '" + path_ + "' near compressed byte offset " +
                    std::to_string(f.compressed_offset - f.z.avail_in) + ": " +
                    (f.z.msg ? f.z.msg : "inflate failed"));
    }
  }
  return n - f.z.avail_out;
}

std::string read_file_maybe_gzip(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  size_t magic_size = 0;
  {
    InputStream probe(path, CompressionType::kNone);
    magic_size = probe.read(magic, 2);
  }
  bool gzip = magic_size == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  InputStream in(path, gzip ? CompressionType::kGzip : CompressionType::kNone);
  std::string out;
  constexpr size_t kChunk = 1 << 20;
  for (;;) {
    size_t old = out.size();
    out.resize(old + kChunk);
    size_t got = in.read(out.data() + old, kChunk);
    out.resize(old + got);
    if (got < kChunk) break;
  }
  return out;
}

}  // namespace tandem::io
