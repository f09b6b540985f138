// Options of TFRecord files (tf.io.TFRecordOptions and the reader's error handling).
#pragma once

#include <cstddef>
#include <string>

namespace tandem::io {

struct TFRecordOptions {
  // "", "GZIP" or "ZLIB", as in tf.io.TFRecordOptions.
  std::string compression_type = "";
  // zlib level for GZIP/ZLIB writers (-1 = zlib's default, 0..9).
  int compression_level = -1;
};

struct TFRecordReaderOptions {
  std::string compression_type = "";
  // When true, a record whose length or data CRC does not match is skipped (and counted) instead of
  // raising IOError; after a bad length the reader resynchronises on the next valid header.
  bool skip_corrupt_records = false;
  // Bytes read from the file at a time.
  size_t buffer_size = 256 * 1024;
};

}  // namespace tandem::io
