#include "tandem/io/decode_raw.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "tandem/core/mutable_tensor.h"

namespace tandem::io {
namespace {

// The number of bytes every string decodes from: fixed_length, or the strings' common length.
size_t bytes_per_string(const std::string* strings, int64_t count, size_t esize, DType out_type,
                        std::optional<int64_t> fixed_length) {
  if (fixed_length) {
    TANDEM_CHECK(*fixed_length >= 0 && *fixed_length % static_cast<int64_t>(esize) == 0, ValueError,
                 "decode_raw: fixed_length must be a non-negative multiple of ", esize,
                 " (the size of ", dtype_name(out_type), "), received ", *fixed_length);
    return static_cast<size_t>(*fixed_length);
  }
  size_t length = count > 0 ? strings[0].size() : 0;
  for (int64_t i = 0; i < count; ++i) {
    TANDEM_CHECK(strings[i].size() == length, ValueError,
                 "decode_raw: all strings must have the same length (or pass fixed_length), but "
                 "string 0 has ",
                 length, " bytes and string ", i, " has ", strings[i].size());
  }
  TANDEM_CHECK(length % esize == 0, ValueError, "decode_raw: input strings have ", length,
               " bytes, which is not a multiple of ", esize, " (the size of ", dtype_name(out_type),
               ")");
  return length;
}

// Reverses the bytes of each esize-byte element of `data` (big-endian input on a little-endian
// host).
void swap_bytes(char* data, size_t nbytes, size_t esize) {
  for (size_t at = 0; at < nbytes; at += esize) std::reverse(data + at, data + at + esize);
}

}  // namespace

Tensor decode_raw(const Tensor& input_bytes, DType out_type, bool little_endian,
                  std::optional<int64_t> fixed_length) {
  TANDEM_CHECK(input_bytes.dtype() == DType::kString, TypeError,
               "decode_raw: input_bytes must be a string tensor, received ",
               dtype_name(input_bytes.dtype()));
  TANDEM_CHECK(out_type != DType::kString, TypeError,
               "decode_raw: out_type must be a numeric dtype or bool, received string");
  Tensor input = input_bytes.cpu();
  const std::string* strings = input.data<std::string>();
  int64_t count = input.num_elements();
  size_t esize = dtype_size(out_type);
  size_t width = bytes_per_string(strings, count, esize, out_type, fixed_length);

  std::vector<int64_t> dims = input.shape().as_list();
  dims.push_back(static_cast<int64_t>(width / esize));
  MutableTensor out = MutableTensor::empty(Shape(std::move(dims)), out_type, Device::cpu());
  char* base = static_cast<char*>(out.mutable_raw_data());
  size_t nbytes = width * static_cast<size_t>(count);
  if (nbytes == 0) return std::move(out).freeze();
  for (int64_t i = 0; i < count; ++i) {
    size_t n = std::min(width, strings[i].size());
    std::memcpy(base + i * width, strings[i].data(), n);
    std::memset(base + i * width + n, 0, width - n);
  }
  bool host_little = std::endian::native == std::endian::little;
  if (esize > 1 && little_endian != host_little) swap_bytes(base, nbytes, esize);
  if (out_type == DType::kBool) {  // a bool must hold 0 or 1: any nonzero byte is true
    for (size_t i = 0; i < nbytes; ++i) base[i] = base[i] != 0;
  }
  return std::move(out).freeze();
}

}  // namespace tandem::io
