// Reads TFRecord files written by TensorFlow or TFRecordWriter (uncompressed, GZIP or ZLIB),
// checking both CRCs of every record. Truncated or corrupted records raise IOError naming the file
// and the byte offset (in the uncompressed stream) of the bad record, or are skipped and counted
// when TFRecordReaderOptions::skip_corrupt_records is set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tandem/io/input_stream.h"
#include "tandem/io/tfrecord_options.h"

namespace tandem::io {

class TFRecordReader {
 public:
  // Throws IOError naming `path` when it cannot be opened.
  explicit TFRecordReader(std::string path, TFRecordReaderOptions options = {});

  // Reads the next record into *record; returns false at the end of the file.
  bool read(std::string* record);
  // The next record, or nullopt at the end of the file.
  std::optional<std::string> next();

  const std::string& path() const { return in_.path(); }
  // Byte offset (uncompressed) of the next record to read.
  uint64_t offset() const { return base_ + pos_; }
  int64_t num_records() const { return num_records_; }
  // Corrupt or truncated records skipped so far (skip_corrupt_records only).
  int64_t num_skipped() const { return num_skipped_; }

 private:
  // Makes at least `need` unread bytes available; returns how many are (fewer only at the end).
  size_t fill(size_t need);
  // Handles a bad record: throws, or counts it and returns normally when skipping.
  void corrupt(const std::string& what);
  // Advances byte by byte to the next offset holding a valid header; false at the end.
  bool resync();
  std::string where() const;

  InputStream in_;
  TFRecordReaderOptions options_;
  std::string buf_;
  size_t pos_ = 0;     // next unread byte in buf_
  uint64_t base_ = 0;  // file offset of buf_[0]
  bool eof_ = false;
  int64_t num_records_ = 0;
  int64_t num_skipped_ = 0;
};

}  // namespace tandem::io
