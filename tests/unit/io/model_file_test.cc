#include "tandem/io/model_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tandem/io/crc32c.h"
#include "tandem/io/proto/model_file.pb.h"
#include "tandem/io/tfrecord_format.h"
#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::io {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::read_bytes;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

std::string raw_bytes(const Tensor& t) {
  return std::string(static_cast<const char*>(t.raw_data()), t.nbytes());
}

std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// One tensor of every dtype, plus a 0-d and two empty tensors.
ModelFileContents every_dtype() {
  const float inf = std::numeric_limits<float>::infinity();
  ModelFileContents c;
  c.architecture_json = R"({"class_name": "Sequential"})";
  c.compile_config_json = R"({"loss": "mse"})";
  c.optimizer_config_json = R"({"class_name": "Adam", "learning_rate": 0.001})";
  c.tensors = {
      {.name = "dense/kernel",
       .value = Tensor::from_vector<float>({1.5f, -0.f, inf, -2.25f, 3e-38f, 7.f}, {2, 3})},
      {.name = "f64", .value = Tensor::from_vector<double>({0.1, -1e300, 3.0}, {3})},
      {.name = "f16",
       .value = Tensor::from_vector<Half>({Half(1.5f), Half(-2.f), Half(65504.f)}, {3})},
      {.name = "bf16",
       .value = Tensor::from_vector<BFloat16>({BFloat16(0.5f), BFloat16(-3.f)}, {2})},
      {.name = "i32", .value = Tensor::from_vector<int32_t>({INT32_MIN, -1, 0, INT32_MAX}, {2, 2})},
      {.name = "i64", .value = Tensor::from_vector<int64_t>({INT64_MIN, 9007199254740993}, {2})},
      {.name = "u8", .value = Tensor::from_vector<uint8_t>({0, 128, 255}, {3, 1})},
      {.name = "mask", .value = Tensor::from_vector<bool>({true, false, true}, {3})},
      {.name = "optimizer/iterations",
       .group = "optimizer",
       .value = Tensor::from_vector<int64_t>({42}, {})},
      {.name = "optimizer/m/dense/kernel",
       .group = "optimizer",
       .value = Tensor::from_vector<float>({}, {0, 3})},
      {.name = "empty", .value = Tensor::from_vector<float>({}, {0})},
  };
  return c;
}

void expect_same(const ModelFileContents& got, const ModelFileContents& want) {
  EXPECT_EQ(got.architecture_json, want.architecture_json);
  EXPECT_EQ(got.compile_config_json, want.compile_config_json);
  EXPECT_EQ(got.optimizer_config_json, want.optimizer_config_json);
  ASSERT_EQ(got.tensors.size(), want.tensors.size());
  for (size_t i = 0; i < got.tensors.size(); ++i) {
    const ModelFileTensor& g = got.tensors[i];
    const ModelFileTensor& w = want.tensors[i];
    EXPECT_EQ(g.name, w.name);
    EXPECT_EQ(g.group, w.group) << w.name;
    EXPECT_EQ(g.value.dtype(), w.value.dtype()) << w.name;
    EXPECT_EQ(g.value.shape(), w.value.shape()) << w.name;
    EXPECT_EQ(g.value.device(), Device::cpu()) << w.name;
    EXPECT_EQ(raw_bytes(g.value), raw_bytes(w.value)) << w.name;  // bit-exact, -0 and inf too
  }
}

// Rewrites the header of the model file at `path` through `edit`, keeping the tensor data at its
// offsets (the edited header must fit in the space of the old one).
void edit_header(const std::string& path,
                 const std::function<void(proto::ModelFileHeader&)>& edit) {
  std::string bytes = read_bytes(path);
  uint64_t header_size = load_le64(bytes.data() + 8);
  proto::ModelFileHeader header;
  ASSERT_TRUE(header.ParseFromString(bytes.substr(24, header_size)));
  edit(header);
  std::string new_header = header.SerializeAsString();
  uint64_t data_offset = (24 + header_size + 63) / 64 * 64;
  ASSERT_LE(24 + new_header.size(), data_offset);
  std::string out = bytes.substr(0, 8);
  char field[8];
  store_le64(field, new_header.size());
  out.append(field, 8);
  store_le32(field, crc32c(new_header));
  out.append(field, 4);
  out.append(4, '\0');
  out += new_header;
  out.resize(data_offset, '\0');
  out += bytes.substr(data_offset);
  write_bytes(path, out);
}

ModelFileContents two_tensors() {
  ModelFileContents c;
  c.tensors = {{.name = "dense/kernel", .value = Tensor::from_vector<float>({1, 2, 3}, {3})},
               {.name = "dense/bias", .value = Tensor::from_vector<float>({4, 5}, {2})}};
  return c;
}

TEST(ModelFile, RoundTripsEveryDtypeScalarAndEmptyTensors) {
  TempDir dir;
  ModelFileContents c = every_dtype();
  write_model_file(dir.file("m.tandem"), c);
  ModelFileContents got = read_model_file(dir.file("m.tandem"));
  expect_same(got, c);
  expect_values(got.tensors[2].value, {1.5, -2.0, 65504.0});
  expect_values(got.tensors[3].value, {0.5, -3.0});
  EXPECT_EQ(got.tensors[5].value.to_vector<int64_t>()[1], 9007199254740993);
  EXPECT_EQ(got.tensors[7].value.to_vector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(got.tensors[8].value.rank(), 0);
  EXPECT_EQ(got.tensors[8].value.item<int64_t>(), 42);
  EXPECT_EQ(got.tensors[9].value.num_elements(), 0);
}

TEST(ModelFile, RoundTripsLargeTensorAndNoTensors) {
  TempDir dir;
  std::vector<float> big(3 << 20);  // 12 MiB: the unbuffered write path and several read chunks
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i % 1000) * 0.5f;
  ModelFileContents c;
  c.tensors = {{.name = "small", .value = Tensor::from_vector<float>({1}, {1})},
               {.name = "big", .value = Tensor::from_vector<float>(big, {3 << 10, 1 << 10})}};
  write_model_file(dir.file("big.tandem"), c);
  expect_same(read_model_file(dir.file("big.tandem")), c);

  ModelFileContents json_only;
  json_only.architecture_json = "{}";
  write_model_file(dir.file("json.tandem"), json_only);
  expect_same(read_model_file(dir.file("json.tandem")), json_only);
  ModelFileInfo info = read_model_file_info(dir.file("json.tandem"));
  EXPECT_TRUE(info.tensors.empty());
  EXPECT_EQ(info.file_size, read_bytes(dir.file("json.tandem")).size());
}

TEST(ModelFile, PreambleHeaderAndAlignedOffsetsAreAsDocumented) {
  TempDir dir;
  ModelFileContents c = every_dtype();
  write_model_file(dir.file("m.tandem"), c);
  std::string bytes = read_bytes(dir.file("m.tandem"));

  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89TANDEM\n", 8));
  uint64_t header_size = load_le64(bytes.data() + 8);
  EXPECT_EQ(load_le32(bytes.data() + 16), crc32c(bytes.substr(24, header_size)));
  EXPECT_EQ(load_le32(bytes.data() + 20), 0u);
  proto::ModelFileHeader header;
  ASSERT_TRUE(header.ParseFromString(bytes.substr(24, header_size)));
  EXPECT_EQ(header.format_version(), 1u);
  EXPECT_EQ(header.architecture_json(), c.architecture_json);
  ASSERT_EQ(header.tensors_size(), 11);
  EXPECT_EQ(header.tensors(0).dtype(), "float32");
  EXPECT_EQ(header.tensors(2).dtype(), "float16");
  EXPECT_EQ(header.tensors(3).dtype(), "bfloat16");
  EXPECT_EQ(header.tensors(8).group(), "optimizer");

  ModelFileInfo info = read_model_file_info(dir.file("m.tandem"));
  EXPECT_EQ(info.format_version, 1u);
  EXPECT_EQ(info.file_size, bytes.size());
  EXPECT_EQ(info.data_offset, (24 + header_size + 63) / 64 * 64);
  ASSERT_EQ(info.tensors.size(), c.tensors.size());
  // Hand-computed layout: every tensor at the next multiple of 64 after the previous one.
  uint64_t expected_offset = info.data_offset;
  for (size_t i = 0; i < info.tensors.size(); ++i) {
    const ModelFileTensorInfo& t = info.tensors[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.offset % 64, 0u);
    EXPECT_EQ(t.offset, expected_offset);
    EXPECT_EQ(t.length, c.tensors[i].value.nbytes());
    EXPECT_EQ(t.dtype, c.tensors[i].value.dtype());
    EXPECT_EQ(t.shape, c.tensors[i].value.shape());
    EXPECT_EQ(bytes.substr(t.offset, t.length), raw_bytes(c.tensors[i].value));
    EXPECT_EQ(t.crc32c, crc32c(raw_bytes(c.tensors[i].value)));
    expected_offset = (t.offset + t.length + 63) / 64 * 64;
  }
  // dense/kernel: 6 floats = 24 bytes, so f64 starts one alignment unit later.
  EXPECT_EQ(info.tensors[1].offset, info.tensors[0].offset + 64);
  EXPECT_EQ(info.tensors.back().offset + info.tensors.back().length, bytes.size());
}

TEST(ModelFile, ReadsOnlyTheRequestedGroups) {
  TempDir dir;
  write_model_file(dir.file("m.tandem"), every_dtype());
  ModelFileContents got = read_model_file(dir.file("m.tandem"), {.groups = {"optimizer"}});
  ASSERT_EQ(got.tensors.size(), 2u);
  EXPECT_EQ(got.tensors[0].name, "optimizer/iterations");
  EXPECT_EQ(got.tensors[1].name, "optimizer/m/dense/kernel");
  EXPECT_EQ(read_model_file(dir.file("m.tandem"), {.groups = {"model"}}).tensors.size(), 9u);
}

TEST(ModelFile, WritingOverAnExistingFileReplacesItAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_model_file(dir.file("m.tandem"), every_dtype());
  ModelFileContents c = two_tensors();
  write_model_file(dir.file("m.tandem"), c);
  expect_same(read_model_file(dir.file("m.tandem")), c);
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"m.tandem"});
}

// Limits the size of files this process may write, so that a write fails part-way (EFBIG).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

TEST(ModelFile, FailureMidWriteKeepsTheOldFileAndRemovesTheTemporaryFile) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  write_model_file(path, two_tensors());
  std::string old_bytes = read_bytes(path);
  ModelFileContents big;
  big.tensors = {
      {.name = "big", .value = Tensor::from_vector<float>(std::vector<float>(1 << 18), {1 << 18})}};
  {
    FileSizeLimit limit(100000);  // the new file needs 1 MiB
    expect_error<IOError>([&] { write_model_file(path, big); },
                          "cannot write model file '" + path + ".tmp-");
  }
  EXPECT_EQ(read_bytes(path), old_bytes);
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"m.tandem"});
  expect_same(read_model_file(path), two_tensors());
}

TEST(ModelFile, FailedRenameRemovesTheTemporaryFile) {
  TempDir dir;
  // A non-empty directory under the real name: everything is written, then rename() fails.
  std::filesystem::create_directory(dir.path() / "m.tandem");
  write_bytes(dir.file("m.tandem/keep"), "x");
  expect_error<IOError>([&] { write_model_file(dir.file("m.tandem"), two_tensors()); },
                        "cannot rename '" + dir.file("m.tandem") + ".tmp-");
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"m.tandem"});
  EXPECT_EQ(file_names(dir.path() / "m.tandem"), std::vector<std::string>{"keep"});
}

TEST(ModelFile, MissingDirectoryIsAnIOErrorNamingThePath) {
  TempDir dir;
  std::string path = dir.file("no/such/m.tandem");
  expect_error<IOError>([&] { write_model_file(path, two_tensors()); },
                        "cannot create model file '" + path + ".tmp-");
  EXPECT_TRUE(file_names(dir.path()).empty());
}

TEST(ModelFile, InvalidContentsAreRejectedBeforeAnythingIsWritten) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  ModelFileContents dup = two_tensors();
  dup.tensors[1].name = "dense/kernel";
  expect_error<ValueError>([&] { write_model_file(path, dup); },
                           "duplicate tensor name 'dense/kernel'");
  ModelFileContents unnamed = two_tensors();
  unnamed.tensors[1].name = "";
  expect_error<ValueError>([&] { write_model_file(path, unnamed); }, "tensor #1 has an empty name");
  ModelFileContents undefined = two_tensors();
  undefined.tensors[0].value = Tensor();
  expect_error<ValueError>([&] { write_model_file(path, undefined); },
                           "tensor 'dense/kernel' is undefined");
  ModelFileContents strings;
  strings.tensors = {{.name = "vocab", .value = Tensor::from_vector<std::string>({"a"}, {1})}};
  expect_error<TypeError>([&] { write_model_file(path, strings); },
                          "tensor 'vocab' has dtype string");
  EXPECT_TRUE(file_names(dir.path()).empty());
}

TEST(ModelFile, FlippedDataByteIsACrcErrorNamingTheTensor) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  write_model_file(path, two_tensors());
  ModelFileInfo info = read_model_file_info(path);
  std::string bytes = read_bytes(path);
  bytes[info.tensors[1].offset + 5] ^= 0x01;  // inside dense/bias's second float
  write_bytes(path, bytes);
  expect_error<IOError>([&] { read_model_file(path); },
                        "model file '" + path + "': CRC32C mismatch in tensor 'dense/bias'");
  // The header is intact, so the cheap read still works; without checksums the bytes come back.
  EXPECT_EQ(read_model_file_info(path).tensors.size(), 2u);
  ModelFileContents unchecked = read_model_file(path, {.verify_checksums = false});
  EXPECT_NE(unchecked.tensors[1].value.to_vector<float>()[1], 5.f);
  expect_values(unchecked.tensors[0].value, {1, 2, 3});
}

TEST(ModelFile, TruncatedFilesSayWhatIsMissingAndWhere) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  write_model_file(path, two_tensors());
  std::string bytes = read_bytes(path);
  ModelFileInfo info = read_model_file_info(path);
  const ModelFileTensorInfo& bias = info.tensors[1];
  uint64_t header_size = load_le64(bytes.data() + 8);

  write_bytes(path, bytes.substr(0, bytes.size() - 1));
  std::string data_msg = "model file '" + path +
                         "': truncated data: tensor 'dense/bias' expected 8" + " bytes at offset " +
                         std::to_string(bias.offset) + ", file has " +
                         std::to_string(bytes.size() - 1);
  expect_error<IOError>([&] { read_model_file(path); }, data_msg);
  expect_error<IOError>([&] { read_model_file_info(path); }, data_msg);

  write_bytes(path, bytes.substr(0, 30));
  expect_error<IOError>([&] { read_model_file(path); },
                        "model file '" + path + "': truncated header: expected " +
                            std::to_string(header_size) + " bytes at offset 24, file has 30");

  write_bytes(path, bytes.substr(0, 10));
  expect_error<IOError>([&] { read_model_file(path); },
                        "truncated preamble: expected 24 bytes at offset 0, file has 10");
  write_bytes(path, "");
  expect_error<IOError>([&] { read_model_file(path); }, "'" + path + "' is empty");
}

TEST(ModelFile, WrongMagicIsNotATandemModelFile) {
  TempDir dir;
  std::string path = dir.file("weights.h5");
  write_bytes(path, std::string("\x89HDF\r\n\x1a\n and more bytes after that", 33));
  expect_error<IOError>([&] { read_model_file(path); },
                        "'" + path +
                            "' is not a Tandem model file (it starts with bytes 89 48 44 46 "
                            "0d 0a 1a 0a, expected the magic bytes 89 54 41 4e 44 45 4d 0a)");
  write_bytes(path, "TAN");  // too short to hold the magic, and not its prefix either
  expect_error<IOError>([&] { read_model_file_info(path); }, "is not a Tandem model file");
  expect_error<IOError>([&] { read_model_file(dir.file("missing.tandem")); },
                        "cannot open model file '" + dir.file("missing.tandem") + "'");
  expect_error<IOError>([&] { read_model_file(dir.path().string()); }, "is a directory");
}

TEST(ModelFile, GarbageHeaderIsReported) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  write_model_file(path, two_tensors());
  std::string bytes = read_bytes(path);
  std::string flipped = bytes;
  flipped[30] ^= 0x40;
  write_bytes(path, flipped);
  expect_error<IOError>([&] { read_model_file(path); },
                        "model file '" + path + "': corrupted header: CRC32C mismatch");

  // Bytes with a valid CRC that are not a protobuf message (wire type 7 does not exist).
  std::string garbage = "\x0f\x0f\x0f";
  std::string file = bytes.substr(0, 8);
  char field[8];
  store_le64(field, garbage.size());
  file.append(field, 8);
  store_le32(field, crc32c(garbage));
  file.append(field, 4);
  file.append(4, '\0');
  write_bytes(path, file + garbage);
  expect_error<IOError>([&] { read_model_file(path); },
                        "corrupted header: its 3 bytes are not a ModelFileHeader protobuf");
}

TEST(ModelFile, InconsistentIndexEntriesAreReported) {
  TempDir dir;
  std::string path = dir.file("m.tandem");
  auto expect_index_error = [&](const std::function<void(proto::ModelFileHeader&)>& edit,
                                const std::string& message) {
    SCOPED_TRACE(message);
    write_model_file(path, two_tensors());
    edit_header(path, edit);
    expect_error<IOError>([&] { read_model_file_info(path); },
                          "model file '" + path + "': " + message);
    expect_error<IOError>([&] { read_model_file(path); }, message);
  };
  write_model_file(path, two_tensors());
  uint64_t kernel_offset = read_model_file_info(path).tensors[0].offset;

  expect_index_error([](auto& h) { h.set_format_version(2); },
                     "unsupported format version 2: this build of Tandem reads version 1 (the file "
                     "was written by a newer Tandem)");
  expect_index_error([](auto& h) { h.set_format_version(0); }, "unsupported format version 0");
  expect_index_error([](auto& h) { h.mutable_tensors(1)->set_offset(h.tensors(1).offset() + 8); },
                     "tensor 'dense/bias' at offset " + std::to_string(kernel_offset + 72) +
                         " is not aligned to 64 bytes");
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_length(8); },
                     "tensor 'dense/kernel': dtype float32 and shape [3] make 12 bytes, but the "
                     "index says 8");
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_dtype("float64"); },
                     "tensor 'dense/kernel': dtype float64 and shape [3] make 24 bytes, but the "
                     "index says 12");
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_shape(0, -3); },
                     "tensor 'dense/kernel' has invalid shape [-3]");
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_dtype("float8"); },
                     "tensor 'dense/kernel' has unknown dtype 'float8'");
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_dtype("string"); },
                     "tensor 'dense/kernel' has dtype string");
  expect_index_error([](auto& h) { h.mutable_tensors(1)->set_offset(h.tensors(0).offset()); },
                     "tensor 'dense/bias' at offset " + std::to_string(kernel_offset) +
                         " overlaps tensor 'dense/kernel', which ends at " +
                         std::to_string(kernel_offset + 12));
  expect_index_error([](auto& h) { h.mutable_tensors(0)->set_offset(0); },
                     "tensor 'dense/kernel' at offset 0 overlaps the header, which ends at ");
  expect_index_error([](auto& h) { h.mutable_tensors(1)->set_name("dense/kernel"); },
                     "duplicate tensor name 'dense/kernel'");
  expect_index_error(
      [](auto& h) { h.mutable_tensors(1)->set_offset(uint64_t{1} << 40); },
      "truncated data: tensor 'dense/bias' expected 8 bytes at offset 1099511627776");
  // Shapes whose byte size does not fit in int64 (though it may in uint64) are corrupt.
  expect_index_error(
      [](auto& h) {
        h.mutable_tensors(0)->set_dtype("uint8");
        h.mutable_tensors(0)->set_shape(0, int64_t{1} << 62);
        h.mutable_tensors(0)->add_shape(3);
      },
      "tensor 'dense/kernel' has a shape too large to address: [4611686018427387904,3]");
  expect_index_error(
      [](auto& h) {
        h.mutable_tensors(0)->set_shape(0, int64_t{1} << 62);
        h.mutable_tensors(0)->add_shape(8);
      },
      "tensor 'dense/kernel' has a shape too large to address: [4611686018427387904,8]");
}

}  // namespace
}  // namespace tandem::io
