// A file read sequentially, inflated on the fly when it is GZIP or ZLIB compressed. The building
// block of the TFRecord and IDX readers; errors name the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tandem/io/compression.h"

namespace tandem::io {

class InputStream {
 public:
  // Opens `path`; throws IOError naming it when it cannot be opened.
  InputStream(std::string path, CompressionType compression);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // Reads up to n bytes into dst; returns fewer only at the end of the (uncompressed) stream.
  // Throws IOError on a read error or a corrupt/truncated compressed stream. A GZIP file made of
  // several members is read through all of them, as TensorFlow and gunzip do; bytes after the
  // last member (or after a ZLIB stream) are an IOError naming their compressed byte offset.
  size_t read(void* dst, size_t n);
  const std::string& path() const { return path_; }
  // Bytes of uncompressed data returned so far.
  uint64_t position() const { return position_; }

 private:
  size_t read_raw(void* dst, size_t n);
  size_t read_inflated(void* dst, size_t n);
  // Reads compressed bytes until at least `want` are buffered or the file ends; false then.
  bool fill_input(size_t want);

  std::string path_;
  CompressionType compression_;
  std::FILE* file_ = nullptr;
  uint64_t position_ = 0;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
};

// Reads a whole file, inflating it when it starts with the gzip magic bytes (1f 8b).
std::string read_file_maybe_gzip(const std::string& path);

}  // namespace tandem::io
