#include "tandem/io/tfrecord_reader.h"

#include <algorithm>

#include "tandem/core/error.h"
#include "tandem/io/crc32c.h"
#include "tandem/io/tfrecord_format.h"

namespace tandem::io {

namespace {
// Guards the size arithmetic below against lengths no real record has (2^62 bytes).
constexpr uint64_t kMaxRecordLength = uint64_t{1} << 62;
}  // namespace

TFRecordReader::TFRecordReader(std::string path, TFRecordReaderOptions options)
    : in_(std::move(path), compression_type_from_string(options.compression_type)),
      options_(std::move(options)) {
  options_.buffer_size = std::max<size_t>(options_.buffer_size, 64);
}

size_t TFRecordReader::fill(size_t need) {
  if (buf_.size() - pos_ >= need) return need;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
  }
  while (buf_.size() < need && !eof_) {
    // Grow in bounded steps: a corrupt length that passes its CRC must not allocate beyond the data
    // that actually arrives.
    constexpr size_t kMaxStep = size_t{64} << 20;
    size_t want = std::min(std::max(need - buf_.size(), options_.buffer_size), kMaxStep);
    size_t old = buf_.size();
    buf_.resize(old + want);
    size_t got = in_.read(buf_.data() + old, want);
    buf_.resize(old + got);
    if (got < want) eof_ = true;
  }
  return std::min(need, buf_.size());
}

std::string TFRecordReader::where() const {
  std::string s = "'" + path() + "' at byte offset " + std::to_string(offset());
  if (options_.compression_type != "") s += " of the uncompressed stream";
  return s;
}

void TFRecordReader::corrupt(const std::string& what) {
  if (!options_.skip_corrupt_records) {
    throw IOError(what + " (set skip_corrupt_records to skip bad records)");
  }
  ++num_skipped_;
}

bool TFRecordReader::resync() {
  for (;;) {
    ++pos_;
    if (fill(kTFRecordHeaderSize) < kTFRecordHeaderSize) {
      pos_ = buf_.size();
      return false;
    }
    if (tfrecord_header_valid(buf_.data() + pos_)) return true;
  }
}

bool TFRecordReader::read(std::string* record) {
  for (;;) {
    size_t avail = fill(kTFRecordHeaderSize);
    if (avail == 0) return false;
    if (avail < kTFRecordHeaderSize) {
      corrupt("truncated record header in " + where() + ": expected " +
              std::to_string(kTFRecordHeaderSize) + " bytes, the file ends after " +
              std::to_string(avail));
      pos_ = buf_.size();
      return false;
    }
    const char* header = buf_.data() + pos_;
    if (!tfrecord_header_valid(header)) {
      corrupt("corrupted record in " + where() + ": length CRC mismatch (stored " +
              std::to_string(load_le32(header + 8)) + ", computed " +
              std::to_string(crc32c_mask(crc32c(header, 8))) + ")");
      if (!resync()) return false;
      continue;
    }
    uint64_t length = load_le64(header);
    if (length > kMaxRecordLength) {
      corrupt("corrupted record in " + where() + ": length " + std::to_string(length) +
              " exceeds the " + std::to_string(kMaxRecordLength) + "-byte limit");
      if (!resync()) return false;
      continue;
    }
    size_t need = kTFRecordHeaderSize + length + kTFRecordFooterSize;
    avail = fill(need);
    if (avail < need) {
      corrupt("truncated record in " + where() + ": expected " + std::to_string(need) +
              " bytes (data length " + std::to_string(length) + "), the file ends after " +
              std::to_string(avail));
      pos_ = buf_.size();
      return false;
    }
    const char* data = buf_.data() + pos_ + kTFRecordHeaderSize;
    uint32_t stored = load_le32(data + length);
    if (stored != crc32c_mask(crc32c(data, length))) {
      corrupt("corrupted record in " + where() + ": data CRC mismatch for a record of " +
              std::to_string(length) + " bytes");
      pos_ += need;
      continue;
    }
    record->assign(data, length);
    pos_ += need;
    ++num_records_;
    return true;
  }
}

std::optional<std::string> TFRecordReader::next() {
  std::string record;
  if (!read(&record)) return std::nullopt;
  return record;
}

}  // namespace tandem::io
