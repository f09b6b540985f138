#include "tandem/io/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <unordered_set>
#include <utility>

#include "tandem/core/error.h"
#include "tandem/core/mutable_tensor.h"
#include "tandem/io/crc32c.h"
#include "tandem/io/proto/model_file.pb.h"
#include "tandem/io/tfrecord_format.h"

namespace tandem::io {

// Tensor bytes are written as they lie in memory and the format says little-endian.
static_assert(std::endian::native == std::endian::little,
              "the model file writer and reader assume a little-endian host");

namespace {

uint64_t align_up(uint64_t x) {
  return (x + kModelFileAlignment - 1) / kModelFileAlignment * kModelFileAlignment;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

std::string hex_bytes(const char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    char buf[4];
    std::snprintf(buf, sizeof(buf), "%s%02x", i ? " " : "", static_cast<unsigned char>(p[i]));
    out += buf;
  }
  return out;
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

// An IOError about file `path` that says which call failed and why (errno).
[[noreturn]] void throw_errno(const std::string& what, const std::string& path) {
  int err = errno;
  throw IOError(what + " '" + path + "': " + std::strerror(err));
}

// Owns a file descriptor.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    close();
    fd_ = fd;
  }
  // Closes now, reporting the error (close can report a failed delayed write).
  int close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------------------------
// Writing

void write_all(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t got = ::write(fd, data, std::min<size_t>(n, size_t{1} << 30));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot write model file", path);
    }
    data += got;
    n -= static_cast<size_t>(got);
  }
}

// Buffers the small pieces (preamble, header, padding, small tensors) into few write calls and
// hands big tensors to write() directly.
class FileWriter {
 public:
  FileWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  void append(const void* data, size_t n) {
    if (n >= kDirect) {
      flush();
      write_all(fd_, static_cast<const char*>(data), n, path_);
    } else {
      buffer_.append(static_cast<const char*>(data), n);
      if (buffer_.size() >= kDirect) flush();
    }
    written_ += n;
  }
  void pad_to(uint64_t offset) {
    static constexpr char kZeros[kModelFileAlignment] = {};
    while (written_ < offset) append(kZeros, std::min<uint64_t>(offset - written_, sizeof(kZeros)));
  }
  void flush() {
    write_all(fd_, buffer_.data(), buffer_.size(), path_);
    buffer_.clear();
  }

 private:
  static constexpr size_t kDirect = size_t{1} << 20;
  int fd_;
  std::string path_;
  std::string buffer_;
  uint64_t written_ = 0;
};

// The temporary file next to the destination; removed unless commit() renamed it into place.
class TempFile {
 public:
  explicit TempFile(const std::string& final_path) : final_path_(final_path) {
    static std::atomic<uint64_t> counter{0};
    path_ = final_path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) throw_errno("cannot create model file", path_);
    fd_.reset(fd);
  }
  ~TempFile() {
    if (committed_) return;
    fd_.close();
    ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

  // Makes the data durable, then atomically replaces the destination.
  void commit() {
    if (::fsync(fd_.get()) != 0) throw_errno("cannot fsync model file", path_);
    if (fd_.close() != 0) throw_errno("cannot close model file", path_);
    if (::rename(path_.c_str(), final_path_.c_str()) != 0) {
      int err = errno;
      throw IOError("cannot rename '" + path_ + "' to '" + final_path_ +
                    "': " + std::strerror(err));
    }
    committed_ = true;
  }

 private:
  std::string final_path_;
  std::string path_;
  ScopedFd fd_;
  bool committed_ = false;
};

// The rename is only durable once the directory entry is: fsync the directory too.
void fsync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot open the directory of model file", path);
  // EINVAL: the file system does not support syncing directories; nothing more can be done.
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    throw_errno("cannot fsync the directory of model file", path);
  }
}

void check_contents(const std::string& path, const ModelFileContents& contents) {
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < contents.tensors.size(); ++i) {
    const ModelFileTensor& t = contents.tensors[i];
    TANDEM_CHECK(!t.name.empty(), ValueError, "write_model_file('", path, "'): tensor #", i,
                 " has an empty name");
    TANDEM_CHECK(names.insert(t.name).second, ValueError, "write_model_file('", path,
                 "'): duplicate tensor name '", t.name, "'");
    TANDEM_CHECK(!t.group.empty(), ValueError, "write_model_file('", path, "'): tensor '", t.name,
                 "' has an empty group");
    TANDEM_CHECK(t.value.defined(), ValueError, "write_model_file('", path, "'): tensor '", t.name,
                 "' is undefined");
    TANDEM_CHECK(t.value.dtype() != DType::kString, TypeError, "write_model_file('", path,
                 "'): tensor '", t.name,
                 "' has dtype string; model files hold numeric and bool tensors only");
  }
}

// The header with every tensor's offset laid out after it. Offsets are fixed64 fields, so the
// header's size does not depend on their values: size it with placeholder offsets, then fill in.
proto::ModelFileHeader make_header(const std::string& path, const ModelFileContents& contents,
                                   const std::vector<Tensor>& host, uint64_t* data_offset) {
  proto::ModelFileHeader header;
  header.set_format_version(kModelFileVersion);
  header.set_architecture_json(contents.architecture_json);
  header.set_compile_config_json(contents.compile_config_json);
  header.set_optimizer_config_json(contents.optimizer_config_json);
  for (size_t i = 0; i < host.size(); ++i) {
    const ModelFileTensor& t = contents.tensors[i];
    proto::ModelFileTensorEntry* e = header.add_tensors();
    e->set_name(t.name);
    e->set_group(t.group);
    e->set_dtype(dtype_name(host[i].dtype()));
    for (int64_t d : host[i].shape().dims()) e->add_shape(d);
    e->set_offset(~uint64_t{0});  // nonzero so that proto3 serializes it: sized like the real one
    e->set_length(host[i].nbytes());
    e->set_crc32c(crc32c(host[i].raw_data(), host[i].nbytes()));
  }
  size_t header_size = header.ByteSizeLong();
  TANDEM_CHECK(header_size <= INT_MAX, ValueError, "write_model_file('", path,
               "'): the header would be ", header_size, " bytes, more than protobuf's 2 GiB");
  *data_offset = align_up(kModelFilePreambleSize + header_size);
  uint64_t end = *data_offset;
  for (auto& e : *header.mutable_tensors()) {
    e.set_offset(align_up(end));
    end = e.offset() + e.length();
  }
  return header;
}

// ---------------------------------------------------------------------------------------------
// Reading

// "model file 'p': <parts>" as an IOError.
template <class... Parts>
[[noreturn]] void corrupt(const std::string& path, Parts&&... parts) {
  throw IOError(
      ::tandem::detail::concat("model file '", path, "': ", std::forward<Parts>(parts)...));
}

// Reads up to n bytes at `offset`; fewer only at the end of the file.
size_t pread_all(int fd, void* dst, size_t n, uint64_t offset, const std::string& path) {
  char* p = static_cast<char*>(dst);
  size_t total = 0;
  while (total < n) {
    ssize_t got = ::pread(fd, p + total, std::min<size_t>(n - total, size_t{1} << 30),
                          static_cast<off_t>(offset + total));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read model file", path);
    }
    if (got == 0) break;
    total += static_cast<size_t>(got);
  }
  return total;
}

struct OpenedFile {
  ScopedFd fd;
  uint64_t size = 0;
};

void open_for_read(const std::string& path, OpenedFile* file) {
  file->fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file->fd.get() < 0) throw_errno("cannot open model file", path);
  struct stat st {};
  if (::fstat(file->fd.get(), &st) != 0) throw_errno("cannot stat model file", path);
  if (S_ISDIR(st.st_mode)) throw IOError("'" + path + "' is a directory, not a Tandem model file");
  file->size = static_cast<uint64_t>(st.st_size);
}

// Checks the magic bytes and returns the header bytes, their CRC checked.
std::string read_header_bytes(const std::string& path, const OpenedFile& file) {
  char pre[kModelFilePreambleSize];
  size_t got = pread_all(file.fd.get(), pre, sizeof(pre), 0, path);
  size_t magic = std::min(got, kModelFileMagic.size());
  if (got == 0) throw IOError("'" + path + "' is empty, not a Tandem model file");
  if (std::memcmp(pre, kModelFileMagic.data(), magic) != 0) {
    throw IOError("'" + path + "' is not a Tandem model file (it starts with bytes " +
                  hex_bytes(pre, magic) + ", expected the magic bytes " +
                  hex_bytes(kModelFileMagic.data(), kModelFileMagic.size()) + ")");
  }
  if (got < sizeof(pre)) {
    corrupt(path, "truncated preamble: expected ", sizeof(pre), " bytes at offset 0, file has ",
            file.size);
  }
  uint64_t header_size = load_le64(pre + 8);
  uint32_t stored_crc = load_le32(pre + 16);
  if (header_size > file.size - sizeof(pre)) {
    corrupt(path, "truncated header: expected ", header_size, " bytes at offset ", sizeof(pre),
            ", file has ", file.size);
  }
  if (header_size > INT_MAX) corrupt(path, "header of ", header_size, " bytes exceeds 2 GiB");
  std::string bytes(header_size, '\0');
  if (pread_all(file.fd.get(), bytes.data(), bytes.size(), sizeof(pre), path) != header_size) {
    corrupt(path, "file shrank while it was read");
  }
  uint32_t crc = crc32c(bytes);
  if (crc != stored_crc) {
    corrupt(path, "corrupted header: CRC32C mismatch (stored ", hex32(stored_crc), ", computed ",
            hex32(crc), ")");
  }
  return bytes;
}

// Validates one index entry against the file and the entry before it (`prev_end`, `prev_name`).
ModelFileTensorInfo check_entry(const std::string& path, const proto::ModelFileTensorEntry& e,
                                size_t index, uint64_t file_size, uint64_t prev_end,
                                const std::string& prev_name) {
  ModelFileTensorInfo info;
  if (e.name().empty()) corrupt(path, "tensor #", index, " has an empty name");
  info.name = e.name();
  info.group = e.group();
  const std::string& name = e.name();
  try {
    info.dtype = dtype_from_name(e.dtype());
  } catch (const ValueError&) {
    corrupt(path, "tensor '", name, "' has unknown dtype '", e.dtype(), "'");
  }
  if (info.dtype == DType::kString) {
    corrupt(path, "tensor '", name, "' has dtype string, which model files cannot hold");
  }
  std::vector<int64_t> dims(e.shape().begin(), e.shape().end());
  uint64_t expected = dtype_size(info.dtype);
  for (int64_t d : dims) {
    if (d < 0) corrupt(path, "tensor '", name, "' has invalid shape ", dims_string(dims));
    if (__builtin_mul_overflow(expected, static_cast<uint64_t>(d), &expected)) {
      corrupt(path, "tensor '", name, "' has a shape too large to address: ", dims_string(dims));
    }
  }
  if (expected > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    corrupt(path, "tensor '", name, "' has a shape too large to address: ", dims_string(dims));
  }
  info.shape = Shape(std::move(dims));
  info.offset = e.offset();
  info.length = e.length();
  info.crc32c = e.crc32c();
  if (info.length != expected) {
    corrupt(path, "tensor '", name, "': dtype ", dtype_name(info.dtype), " and shape ",
            info.shape.to_list_string(), " make ", expected, " bytes, but the index says ",
            info.length);
  }
  if (info.offset % kModelFileAlignment != 0) {
    corrupt(path, "tensor '", name, "' at offset ", info.offset, " is not aligned to ",
            kModelFileAlignment, " bytes");
  }
  if (info.offset < prev_end) {
    corrupt(path, "tensor '", name, "' at offset ", info.offset, " overlaps ",
            prev_name.empty() ? std::string("the header") : "tensor '" + prev_name + "'",
            ", which ends at ", prev_end);
  }
  if (info.offset > file_size || info.length > file_size - info.offset) {
    corrupt(path, "truncated data: tensor '", name, "' expected ", info.length, " bytes at offset ",
            info.offset, ", file has ", file_size);
  }
  return info;
}

ModelFileInfo read_info(const std::string& path, const OpenedFile& file) {
  std::string bytes = read_header_bytes(path, file);
  proto::ModelFileHeader header;
  if (!header.ParseFromString(bytes)) {
    corrupt(path, "corrupted header: its ", bytes.size(),
            " bytes are not a ModelFileHeader protobuf");
  }
  if (header.format_version() == 0 || header.format_version() > kModelFileVersion) {
    corrupt(path, "unsupported format version ", header.format_version(),
            ": this build of Tandem reads version ", kModelFileVersion,
            header.format_version() > kModelFileVersion
                ? " (the file was written by a newer Tandem)"
                : "");
  }
  ModelFileInfo info;
  info.format_version = header.format_version();
  info.architecture_json = header.architecture_json();
  info.compile_config_json = header.compile_config_json();
  info.optimizer_config_json = header.optimizer_config_json();
  info.file_size = file.size;
  uint64_t header_end = kModelFilePreambleSize + bytes.size();
  info.data_offset = align_up(header_end);
  std::unordered_set<std::string> names;
  uint64_t prev_end = header_end;
  std::string prev_name;
  for (int i = 0; i < header.tensors_size(); ++i) {
    ModelFileTensorInfo t = check_entry(path, header.tensors(i), static_cast<size_t>(i), file.size,
                                        prev_end, prev_name);
    if (!names.insert(t.name).second) corrupt(path, "duplicate tensor name '", t.name, "'");
    prev_end = t.offset + t.length;
    prev_name = t.name;
    info.tensors.push_back(std::move(t));
  }
  return info;
}

Tensor read_tensor(const std::string& path, const OpenedFile& file, const ModelFileTensorInfo& t,
                   bool verify) {
  MutableTensor value = MutableTensor::empty(t.shape, t.dtype, Device::cpu());
  char* dst = static_cast<char*>(value.mutable_raw_data());
  // Checksum chunk by chunk while the bytes are still in cache.
  constexpr uint64_t kChunk = uint64_t{16} << 20;
  uint32_t crc = 0;
  for (uint64_t done = 0; done < t.length;) {
    size_t n = static_cast<size_t>(std::min(kChunk, t.length - done));
    if (pread_all(file.fd.get(), dst + done, n, t.offset + done, path) != n) {
      corrupt(path, "truncated data: tensor '", t.name, "' expected ", t.length,
              " bytes at offset ", t.offset, ", the file ended while it was read");
    }
    if (verify) crc = crc32c_extend(crc, dst + done, n);
    done += n;
  }
  if (verify && crc != t.crc32c) {
    corrupt(path, "CRC32C mismatch in tensor '", t.name, "' (group '", t.group, "', ", t.length,
            " bytes at offset ", t.offset, "): stored ", hex32(t.crc32c), ", computed ",
            hex32(crc));
  }
  return std::move(value).freeze();
}

}  // namespace

void write_model_file(const std::string& path, const ModelFileContents& contents) {
  check_contents(path, contents);
  std::vector<Tensor> host;
  host.reserve(contents.tensors.size());
  for (const ModelFileTensor& t : contents.tensors) host.push_back(t.value.cpu());
  uint64_t data_offset = 0;
  proto::ModelFileHeader header = make_header(path, contents, host, &data_offset);
  std::string header_bytes = header.SerializeAsString();
  TANDEM_CHECK(kModelFilePreambleSize + header_bytes.size() <= data_offset, Error,
               "write_model_file('", path, "'): internal error: the header grew to ",
               header_bytes.size(), " bytes after its offsets were laid out");

  char pre[kModelFilePreambleSize] = {};
  std::memcpy(pre, kModelFileMagic.data(), kModelFileMagic.size());
  store_le64(pre + 8, header_bytes.size());
  store_le32(pre + 16, crc32c(header_bytes));

  TempFile tmp(path);
  FileWriter out(tmp.fd(), tmp.path());
  out.append(pre, sizeof(pre));
  out.append(header_bytes.data(), header_bytes.size());
  for (size_t i = 0; i < host.size(); ++i) {
    out.pad_to(header.tensors(static_cast<int>(i)).offset());
    out.append(host[i].raw_data(), host[i].nbytes());
  }
  out.flush();
  tmp.commit();
  fsync_directory_of(path);
}

ModelFileInfo read_model_file_info(const std::string& path) {
  OpenedFile file;
  open_for_read(path, &file);
  return read_info(path, file);
}

ModelFileContents read_model_file(const std::string& path, const ModelFileReadOptions& options) {
  OpenedFile file;
  open_for_read(path, &file);
  ModelFileInfo info = read_info(path, file);
  ModelFileContents contents;
  contents.architecture_json = std::move(info.architecture_json);
  contents.compile_config_json = std::move(info.compile_config_json);
  contents.optimizer_config_json = std::move(info.optimizer_config_json);
  for (const ModelFileTensorInfo& t : info.tensors) {
    if (!options.groups.empty() &&
        std::find(options.groups.begin(), options.groups.end(), t.group) == options.groups.end()) {
      continue;
    }
    contents.tensors.push_back({.name = t.name,
                                .group = t.group,
                                .value = read_tensor(path, file, t, options.verify_checksums)});
  }
  return contents;
}

}  // namespace tandem::io
