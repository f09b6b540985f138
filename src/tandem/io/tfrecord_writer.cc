#include "tandem/io/tfrecord_writer.h"

#include "tandem/io/crc32c.h"
#include "tandem/io/tfrecord_format.h"

namespace tandem::io {

std::string frame_tfrecord(std::string_view data) {
  char header[kTFRecordHeaderSize];
  char footer[kTFRecordFooterSize];
  encode_tfrecord_header(data.size(), header);
  store_le32(footer, crc32c_mask(crc32c(data)));
  std::string out;
  out.reserve(sizeof(header) + data.size() + sizeof(footer));
  out.append(header, sizeof(header));
  out.append(data);
  out.append(footer, sizeof(footer));
  return out;
}

TFRecordWriter::TFRecordWriter(std::string path, TFRecordOptions options)
    : out_(std::move(path), compression_type_from_string(options.compression_type),
           options.compression_level) {}

void TFRecordWriter::write(std::string_view record) {
  char header[kTFRecordHeaderSize];
  char footer[kTFRecordFooterSize];
  encode_tfrecord_header(record.size(), header);
  store_le32(footer, crc32c_mask(crc32c(record)));
  out_.write({header, sizeof(header)});
  out_.write(record);
  out_.write({footer, sizeof(footer)});
  ++num_records_;
}

}  // namespace tandem::io
