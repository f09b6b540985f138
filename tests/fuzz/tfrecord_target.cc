// Fuzz target: the TFRecord reader (io/tfrecord_reader.h). The first byte picks the reader's
// options (compression none / GZIP / ZLIB, skip_corrupt_records, a tiny buffer that makes every
// record straddle refills); the rest is the file. Every file must give its records or an IOError
// naming the file and offset; with skip_corrupt_records the reader must reach the end.
#include <stdexcept>

#include "fuzz_target.h"
#include "tandem/core/error.h"
#include "tandem/io/tfrecord_reader.h"
#include "tandem/io/tfrecord_writer.h"

namespace tandem::fuzz {
namespace {

const char* const kCompressions[] = {"", "GZIP", "ZLIB"};

io::TFRecordReaderOptions options_for(unsigned char mode) {
  return {.compression_type = kCompressions[mode % 3],
          .skip_corrupt_records = (mode / 3) % 2 == 1,
          .buffer_size = (mode & 0x40) != 0 ? size_t{7} : size_t{256 * 1024}};
}

bool run(std::string_view input) {
  static const ScratchFile file("tfrecord");
  unsigned char mode = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
  file.write(input.empty() ? input : input.substr(1));
  try {
    io::TFRecordReader reader(file.path(), options_for(mode));
    std::string record;
    uint64_t bytes = 0;
    while (reader.read(&record)) bytes += record.size() + 16;
    // Records cannot hold more than the file (compressed input aside, which inflates).
    if (mode % 3 == 0 && bytes > input.size()) {
      throw std::logic_error("the records hold more bytes than the file");
    }
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> seeds() {
  std::vector<std::string> out;
  const ScratchFile file("tfrecord_seed");
  for (unsigned char mode : {0, 1, 2, 3, 0x40, 0x44}) {
    {
      io::TFRecordWriter writer(file.path(), {.compression_type = kCompressions[mode % 3]});
      writer.write("first record");
      writer.write("");
      writer.write(std::string(300, 'x'));
      writer.close();
    }
    std::string bytes(1, static_cast<char>(mode));
    std::FILE* f = std::fopen(file.path().c_str(), "rb");
    char buffer[4096];
    for (size_t n; f != nullptr && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) {
      bytes.append(buffer, n);
    }
    if (f != nullptr) std::fclose(f);
    out.push_back(bytes);
  }
  return out;
}

}  // namespace

extern const Target kFuzzTarget = {"tfrecord", run, seeds};

}  // namespace tandem::fuzz
