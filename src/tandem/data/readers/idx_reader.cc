#include "tandem/data/readers/idx_reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include "tandem/core/mutable_tensor.h"
#include "tandem/io/input_stream.h"

namespace tandem::data {
namespace {

struct IdxType {
  DType dtype;
  int file_bytes;  // bytes per element in the file
  const char* name;
};

bool idx_type(unsigned char code, IdxType* out) {
  switch (code) {
    case 0x08:
      *out = {DType::kUInt8, 1, "unsigned byte"};
      return true;
    case 0x09:
      *out = {DType::kInt32, 1, "signed byte"};
      return true;
    case 0x0B:
      *out = {DType::kInt32, 2, "short"};
      return true;
    case 0x0C:
      *out = {DType::kInt32, 4, "int"};
      return true;
    case 0x0D:
      *out = {DType::kFloat32, 4, "float"};
      return true;
    case 0x0E:
      *out = {DType::kFloat64, 8, "double"};
      return true;
    default:
      return false;
  }
}

uint64_t load_be(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

std::string hex_magic(const unsigned char* p) {
  std::ostringstream s;
  s << "0x" << std::hex;
  for (int i = 0; i < 4; ++i) s << (p[i] < 16 ? "0" : "") << static_cast<int>(p[i]);
  return s.str();
}

// Converts big-endian file values into the tensor's host representation.
void decode_body(const unsigned char* src, const IdxType& type, int64_t n, void* dst) {
  if (type.dtype == DType::kUInt8) {
    std::memcpy(dst, src, static_cast<size_t>(n));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint64_t raw = load_be(src + i * type.file_bytes, type.file_bytes);
    switch (type.file_bytes) {
      case 1:
        static_cast<int32_t*>(dst)[i] = static_cast<int8_t>(raw);
        break;
      case 2:
        static_cast<int32_t*>(dst)[i] = static_cast<int16_t>(raw);
        break;
      case 4:
        if (type.dtype == DType::kInt32) {
          static_cast<int32_t*>(dst)[i] = static_cast<int32_t>(static_cast<uint32_t>(raw));
        } else {
          auto bits = static_cast<uint32_t>(raw);
          std::memcpy(static_cast<float*>(dst) + i, &bits, 4);
        }
        break;
      default:
        std::memcpy(static_cast<double*>(dst) + i, &raw, 8);
    }
  }
}

// Where the bytes come from: `read` fills up to n bytes and returns fewer only at the end.
// `exact_size` is the whole input's size when it is known (a plain file, bytes in memory);
// `compressed_size` the size on disk of a gzipped file, which bounds what it can inflate to.
struct IdxSource {
  std::function<size_t(void*, size_t)> read;
  std::optional<uint64_t> exact_size;
  std::optional<uint64_t> compressed_size;
};

// DEFLATE cannot expand its input more than about 1032 times; a header that declares more data
// than the compressed file can hold is rejected before anything is allocated (a gzip bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

Tensor read_idx_from(const IdxSource& src, const std::string& name) {
  unsigned char magic[4];
  size_t got = src.read(magic, 4);
  TANDEM_CHECK(got == 4, IOError, "'", name, "' is not an IDX file: expected a 4-byte ",
               "magic number, the file has ", got, " bytes");
  IdxType type{};
  TANDEM_CHECK(magic[0] == 0 && magic[1] == 0 && idx_type(magic[2], &type), IOError, "'", name,
               "' is not an IDX file: wrong magic number ", hex_magic(magic),
               " (expected 0x0000TTRR with type TT in 08,09,0b,0c,0d,0e and rank RR)");
  int rank = magic[3];
  size_t header = 4 + 4 * static_cast<size_t>(rank);
  std::vector<unsigned char> dim_bytes(4 * static_cast<size_t>(rank));
  got = 4 + src.read(dim_bytes.data(), dim_bytes.size());
  TANDEM_CHECK(got == header, IOError, "truncated IDX file '", name, "': expected a ", header,
               "-byte header for rank ", rank, ", received ", got, " bytes");
  std::vector<int64_t> dims(rank);
  for (int i = 0; i < rank; ++i)
    dims[i] = static_cast<int64_t>(load_be(dim_bytes.data() + 4 * i, 4));
  Shape shape(dims);
  // Bounding the element count keeps a corrupt header from overflowing the size arithmetic.
  constexpr uint64_t kMaxElements = uint64_t{1} << 56;
  uint64_t count = 1;
  for (int64_t d : dims) {
    TANDEM_CHECK(d == 0 || count <= kMaxElements / static_cast<uint64_t>(d), IOError,
                 "corrupt IDX file '", name, "': header shape ", shape.to_string(),
                 " has more than 2^56 elements");
    count *= static_cast<uint64_t>(d);
  }
  uint64_t expected = count * type.file_bytes;
  // The header's claim is checked against what the file can hold before the body is allocated.
  if (src.exact_size) {
    uint64_t actual = *src.exact_size - header;
    TANDEM_CHECK(actual == expected, IOError, actual < expected ? "truncated" : "oversized",
                 " IDX file '", name, "': expected ", expected, " bytes of ", type.name,
                 " data for shape ", shape.to_string(), ", received ", actual);
  } else if (src.compressed_size) {
    uint64_t most = *src.compressed_size * kMaxDeflateRatio;
    TANDEM_CHECK(expected <= most, IOError, "truncated IDX file '", name, "': header shape ",
                 shape.to_string(), " declares ", expected, " bytes of ", type.name,
                 " data, more than its ", *src.compressed_size,
                 " gzipped bytes can inflate to (at most ", most, ")");
  }
  MutableTensor out = MutableTensor::empty(shape, type.dtype, Device::cpu(), "read_idx");
  auto* dst = static_cast<unsigned char*>(out.mutable_raw_data());
  // The body streams through a bounded buffer into the tensor: nothing is inflated beyond it.
  constexpr uint64_t kChunkElements = 1 << 16;
  std::vector<unsigned char> buffer(kChunkElements * type.file_bytes);
  uint64_t done = 0;  // elements
  while (done < count) {
    uint64_t n = std::min(kChunkElements, count - done);
    size_t want = static_cast<size_t>(n) * type.file_bytes;
    size_t read = src.read(buffer.data(), want);
    TANDEM_CHECK(read == want, IOError, "truncated IDX file '", name, "': expected ", expected,
                 " bytes of ", type.name, " data for shape ", shape.to_string(), ", received ",
                 done * type.file_bytes + read);
    decode_body(buffer.data(), type, static_cast<int64_t>(n), dst + done * dtype_size(type.dtype));
    done += n;
  }
  unsigned char extra;
  TANDEM_CHECK(src.read(&extra, 1) == 0, IOError, "oversized IDX file '", name, "': expected ",
               expected, " bytes of ", type.name, " data for shape ", shape.to_string(),
               ", received more (the data goes on past uncompressed byte offset ",
               header + expected, ")");
  return std::move(out).freeze();
}

}  // namespace

Tensor parse_idx(const std::string& bytes, const std::string& name) {
  size_t pos = 0;
  IdxSource src{.read =
                    [&](void* dst, size_t n) {
                      size_t k = std::min(n, bytes.size() - pos);
                      std::memcpy(dst, bytes.data() + pos, k);
                      pos += k;
                      return k;
                    },
                .exact_size = bytes.size(),
                .compressed_size = std::nullopt};
  return read_idx_from(src, name);
}

Tensor read_idx(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  size_t magic_size = 0;
  {
    io::InputStream probe(path, io::CompressionType::kNone);
    magic_size = probe.read(magic, 2);
  }
  bool gzip = magic_size == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::error_code ec;
  uint64_t file_size = std::filesystem::file_size(path, ec);
  TANDEM_CHECK(!ec, IOError, "cannot read the size of '", path, "': ", ec.message());
  io::InputStream in(path, gzip ? io::CompressionType::kGzip : io::CompressionType::kNone);
  IdxSource src{.read = [&](void* dst, size_t n) { return in.read(dst, n); },
                .exact_size = gzip ? std::nullopt : std::optional<uint64_t>(file_size),
                .compressed_size = gzip ? std::optional<uint64_t>(file_size) : std::nullopt};
  return read_idx_from(src, path);
}

}  // namespace tandem::data
