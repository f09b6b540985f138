#include "tandem/data/readers/idx_reader.h"

#include <cstring>
#include <sstream>
#include <vector>

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

}  // namespace

Tensor parse_idx(const std::string& bytes, const std::string& name) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  TANDEM_CHECK(bytes.size() >= 4, IOError, "'", name, "' is not an IDX file: expected a 4-byte ",
               "magic number, the file has ", bytes.size(), " bytes");
  IdxType type{};
  TANDEM_CHECK(p[0] == 0 && p[1] == 0 && idx_type(p[2], &type), IOError, "'", name,
               "' is not an IDX file: wrong magic number ", hex_magic(p),
               " (expected 0x0000TTRR with type TT in 08,09,0b,0c,0d,0e and rank RR)");
  int rank = p[3];
  size_t header = 4 + 4 * static_cast<size_t>(rank);
  TANDEM_CHECK(bytes.size() >= header, IOError, "truncated IDX file '", name, "': expected a ",
               header, "-byte header for rank ", rank, ", received ", bytes.size(), " bytes");
  std::vector<int64_t> dims(rank);
  for (int i = 0; i < rank; ++i) dims[i] = static_cast<int64_t>(load_be(p + 4 + 4 * i, 4));
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
  uint64_t actual = bytes.size() - header;
  TANDEM_CHECK(actual == expected, IOError, actual < expected ? "truncated" : "oversized",
               " IDX file '", name, "': expected ", expected, " bytes of ", type.name,
               " data for shape ", shape.to_string(), ", received ", actual);
  Tensor out = Tensor::empty(shape, type.dtype, Device::cpu());
  decode_body(p + header, type, shape.num_elements(), const_cast<void*>(out.raw_data()));
  return out;
}

Tensor read_idx(const std::string& path) { return parse_idx(io::read_file_maybe_gzip(path), path); }

}  // namespace tandem::data
