// A file written sequentially, deflated on the fly for GZIP or ZLIB. Errors name the file.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "tandem/io/compression.h"

namespace tandem::io {

class OutputStream {
 public:
  // Creates (truncates) `path`; throws IOError naming it when that fails. `level` is zlib's
  // compression level (-1 = zlib's default).
  OutputStream(std::string path, CompressionType compression, int level = -1);
  // Closes the stream; errors at this point are swallowed (call close() to see them).
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  void write(std::string_view bytes);
  // Pushes buffered data to the OS; for compressed streams this emits a zlib sync point.
  void flush();
  // Finishes the compressed stream and closes the file; idempotent.
  void close();
  const std::string& path() const { return path_; }

 private:
  void deflate_chunk(const void* data, size_t n, int flush_mode);
  void write_raw(const void* data, size_t n);

  std::string path_;
  CompressionType compression_;
  std::FILE* file_ = nullptr;
  struct Deflater;
  std::unique_ptr<Deflater> deflater_;
};

}  // namespace tandem::io
