// tf.io.decode_raw: reinterprets the bytes of each string of a string tensor as numbers.
#pragma once

#include <cstdint>
#include <optional>

#include "tandem/core/tensor.h"

namespace tandem::io {

// Decodes every string of `input_bytes` (any shape) as out_type values: the result has shape
// input_bytes.shape + [n], n = bytes per string / dtype_size(out_type). out_type is any numeric
// dtype or bool (a nonzero byte is true). Without fixed_length every string must hold the same
// number of bytes, a multiple of the element size; with it, each string is truncated or
// zero-padded to fixed_length bytes (a multiple of the element size). little_endian = false
// decodes big-endian values. Throws TypeError for a non-string input or a string out_type, and
// ValueError for lengths that do not fit.
Tensor decode_raw(const Tensor& input_bytes, DType out_type, bool little_endian = true,
                  std::optional<int64_t> fixed_length = std::nullopt);

}  // namespace tandem::io
