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
  uint64_t compressed_offset = 0;
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

size_t InputStream::read_inflated(void* dst, size_t n) {
  Inflater& f = *inflater_;
  f.z.next_out = static_cast<unsigned char*>(dst);
  f.z.avail_out = static_cast<uInt>(n);
  while (f.z.avail_out > 0 && !f.finished) {
    if (f.z.avail_in == 0) {
      size_t got = read_raw(f.in.data(), f.in.size());
      if (got == 0) {
        throw IOError("truncated " + std::string(compression_type_name(compression_)) +
                      " stream in '" + path_ + "': compressed data ends at byte offset " +
                      std::to_string(f.compressed_offset) + " before the end of the stream");
      }
      f.compressed_offset += got;
      f.z.next_in = f.in.data();
      f.z.avail_in = static_cast<uInt>(got);
    }
    int rc = inflate(&f.z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      f.finished = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      throw IOError("corrupt " + std::string(compression_type_name(compression_)) + " stream in '" +
                    path_ + "' near compressed byte offset " +
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
