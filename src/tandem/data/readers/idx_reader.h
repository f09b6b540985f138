// Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
// magic 00 00 <type> <rank>, rank big-endian uint32 dimensions, then big-endian values. Plain or
// gzipped files are accepted (detected by the gzip magic bytes, not the file name).
#pragma once

#include <string>

#include "tandem/core/tensor.h"

namespace tandem::data {

// Reads an IDX file into a CPU tensor of the stored shape. Element types: unsigned byte -> uint8;
// signed byte, short and int -> int32; float -> float32; double -> float64. Throws IOError naming
// the file for a missing file, a wrong magic number, an unknown type code, or a body whose size
// does not match the header (with the expected and actual sizes). The header is checked against
// what the file can hold (its size; for a gzipped file, the most its compressed bytes can inflate
// to) before the tensor is allocated, and the body streams into it: a gzip bomb is an IOError,
// not an exhausted memory.
Tensor read_idx(const std::string& path);

// Parses IDX bytes already in memory; `name` is used in error messages.
Tensor parse_idx(const std::string& bytes, const std::string& name);

}  // namespace tandem::data
