#include "tandem/io/output_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "tandem/core/error.h"

namespace tandem::io {

namespace {
constexpr size_t kOutChunk = 256 * 1024;
constexpr int kGzipWindowBits = 16 + MAX_WBITS;
constexpr int kMemLevel = 8;
}  // namespace

struct OutputStream::Deflater {
  z_stream z{};
  std::vector<unsigned char> out = std::vector<unsigned char>(kOutChunk);
};

OutputStream::OutputStream(std::string path, CompressionType compression, int level)
    : path_(std::move(path)), compression_(compression) {
  file_ = std::fopen(path_.c_str(), "wb");
  TANDEM_CHECK(file_ != nullptr, IOError, "cannot open '", path_,
               "' for writing: ", std::strerror(errno));
  if (compression_ == CompressionType::kNone) return;
  deflater_ = std::make_unique<Deflater>();
  int bits = compression_ == CompressionType::kGzip ? kGzipWindowBits : MAX_WBITS;
  if (deflateInit2(&deflater_->z, level, Z_DEFLATED, bits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::fclose(file_);
    file_ = nullptr;
    throw ValueError("cannot initialise zlib to write '" + path_ + "' (compression level " +
                     std::to_string(level) + ")");
  }
}

OutputStream::~OutputStream() {
  try {
    close();
  } catch (const Error&) {
    // A destructor must not throw; callers who care call close() themselves.
  }
}

void OutputStream::write_raw(const void* data, size_t n) {
  size_t put = std::fwrite(data, 1, n, file_);
  TANDEM_CHECK(put == n, IOError, "error writing '", path_, "': ", std::strerror(errno));
}

void OutputStream::deflate_chunk(const void* data, size_t n, int flush_mode) {
  z_stream& z = deflater_->z;
  z.next_in = static_cast<unsigned char*>(const_cast<void*>(data));
  z.avail_in = static_cast<uInt>(n);
  do {
    z.next_out = deflater_->out.data();
    z.avail_out = static_cast<uInt>(deflater_->out.size());
    int rc = deflate(&z, flush_mode);
    TANDEM_CHECK(rc != Z_STREAM_ERROR, IOError, "zlib deflate failed while writing '", path_, "'");
    write_raw(deflater_->out.data(), deflater_->out.size() - z.avail_out);
  } while (z.avail_out == 0);
}

void OutputStream::write(std::string_view bytes) {
  TANDEM_CHECK(file_ != nullptr, IOError, "write to '", path_, "' after close()");
  if (!deflater_) return write_raw(bytes.data(), bytes.size());
  // zlib counts input in uInt; feed very large records in slices.
  constexpr size_t kSlice = 1u << 30;
  for (size_t at = 0; at < bytes.size(); at += kSlice) {
    deflate_chunk(bytes.data() + at, std::min(kSlice, bytes.size() - at), Z_NO_FLUSH);
  }
}

void OutputStream::flush() {
  TANDEM_CHECK(file_ != nullptr, IOError, "flush of '", path_, "' after close()");
  if (deflater_) deflate_chunk(nullptr, 0, Z_SYNC_FLUSH);
  TANDEM_CHECK(std::fflush(file_) == 0, IOError, "error flushing '", path_,
               "': ", std::strerror(errno));
}

void OutputStream::close() {
  if (file_ == nullptr) return;
  std::FILE* f = file_;
  try {
    if (deflater_) deflate_chunk(nullptr, 0, Z_FINISH);
  } catch (...) {
    deflateEnd(&deflater_->z);
    deflater_.reset();
    file_ = nullptr;
    std::fclose(f);
    throw;
  }
  if (deflater_) {
    deflateEnd(&deflater_->z);
    deflater_.reset();
  }
  file_ = nullptr;
  TANDEM_CHECK(std::fclose(f) == 0, IOError, "error closing '", path_, "': ", std::strerror(errno));
}

}  // namespace tandem::io
