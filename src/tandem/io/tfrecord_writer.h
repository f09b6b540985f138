// Writes TFRecord files byte-compatible with TensorFlow's tf.io.TFRecordWriter. Each record is
//   uint64 length (little-endian) | uint32 masked_crc32c(length) | data | uint32
//   masked_crc32c(data)
// optionally wrapped in a GZIP or ZLIB stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tandem/io/output_stream.h"
#include "tandem/io/tfrecord_options.h"

namespace tandem::io {

// The framed bytes of one record (header, data, footer), without compression.
std::string frame_tfrecord(std::string_view data);

class TFRecordWriter {
 public:
  explicit TFRecordWriter(std::string path, TFRecordOptions options = {});

  void write(std::string_view record);
  void flush() { out_.flush(); }
  // Finishes the file; the destructor closes too but swallows errors.
  void close() { out_.close(); }
  int64_t num_records() const { return num_records_; }
  const std::string& path() const { return out_.path(); }

 private:
  OutputStream out_;
  int64_t num_records_ = 0;
};

}  // namespace tandem::io
