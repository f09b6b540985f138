// The Tandem model file (DESIGN section 3): weights, checkpoints and whole models in one file.
//
//   offset 0   8 bytes   magic "\x89TANDEM\n"
//          8   uint64    header length H (little-endian)
//         16   uint32    CRC32C of the header bytes (little-endian)
//         20   uint32    reserved, 0
//         24   H bytes   ModelFileHeader protobuf (io/proto/model_file.proto): format version, the
//                        optional architecture / compile / optimizer JSON, and the tensor index
//                        (name, group, dtype, shape, offset, length, CRC32C of each tensor)
//   then the raw tensor bytes, little-endian and row-major, each tensor starting at a multiple of
//   64 bytes from the start of the file (zero padding in between), so that the file can be
//   memory-mapped and the data handed to vectorised kernels as is.
//
// Writing goes to a temporary file in the same directory that is fsynced and then renamed over
// the real name, so a crash or an error never leaves a half-written file under that name. Reading
// validates everything and throws IOError naming the file and what is wrong.
//
// This layer knows tensors and JSON strings only; Model::save / save_weights / load_weights map
// their variables and configs onto it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tandem/core/dtype.h"
#include "tandem/core/shape.h"
#include "tandem/core/tensor.h"

namespace tandem::io {

// The format version this build writes, and the newest it reads.
inline constexpr uint32_t kModelFileVersion = 1;
// Every tensor's offset is a multiple of this.
inline constexpr uint64_t kModelFileAlignment = 64;
// The 8 magic bytes. PNG-style: the high-bit byte catches 7-bit transfers, the "\n" catches
// newline translation, and the text says what the file is in a hex dump.
inline constexpr std::string_view kModelFileMagic{"\x89TANDEM\n", 8};
// Magic, header length, header CRC32C, reserved.
inline constexpr uint64_t kModelFilePreambleSize = 24;

struct ModelFileTensor {
  // Weight path, e.g. "dense/kernel" or "optimizer/m/dense/kernel"; unique within a file.
  std::string name = "";
  // What the tensor belongs to ("model", "optimizer", ...); lets readers load one part only.
  std::string group = "model";
  // Any dtype but string, any device (copied to the host to be written); read back on the CPU.
  Tensor value = {};
};

struct ModelFileContents {
  // Optional JSON documents; empty when absent.
  std::string architecture_json = "";
  std::string compile_config_json = "";
  std::string optimizer_config_json = "";
  // In file order.
  std::vector<ModelFileTensor> tensors = {};
};

// One entry of the tensor index, as stored.
struct ModelFileTensorInfo {
  std::string name = "";
  std::string group = "";
  DType dtype = DType::kFloat32;
  Shape shape = {};
  uint64_t offset = 0;  // bytes from the start of the file
  uint64_t length = 0;  // bytes
  uint32_t crc32c = 0;  // of the tensor's bytes
};

// Everything but the tensor data: what read_model_file_info returns, cheaply.
struct ModelFileInfo {
  uint32_t format_version = 0;
  std::string architecture_json = "";
  std::string compile_config_json = "";
  std::string optimizer_config_json = "";
  std::vector<ModelFileTensorInfo> tensors = {};
  uint64_t data_offset = 0;  // where the tensor data begins (after the header and its padding)
  uint64_t file_size = 0;
};

struct ModelFileReadOptions {
  // Read only the tensors of these groups (e.g. {"model"} to skip optimizer state); empty = all.
  std::vector<std::string> groups = {};
  // Check every tensor's CRC32C (the tensors' bytes are read anyway; this costs ~0.2 ms/MB).
  bool verify_checksums = true;
};

// Writes `contents` to `path` atomically (temporary file, fsync, rename, fsync of the directory).
// Throws ValueError for an empty, duplicate or undefined tensor, TypeError for a string tensor and
// IOError (naming the file) when the file cannot be written; `path` is then left as it was and the
// temporary file is removed.
void write_model_file(const std::string& path, const ModelFileContents& contents);

// Reads and validates the preamble and the header (magic, version, the index: names, dtypes,
// shapes, lengths, alignment, bounds against the file size), not the tensor data.
ModelFileInfo read_model_file_info(const std::string& path);

// Reads and validates the whole file; tensors come back on the CPU, in file order.
ModelFileContents read_model_file(const std::string& path,
                                  const ModelFileReadOptions& options = {});

}  // namespace tandem::io
