// cache(filename): the first iteration that runs to its end writes its elements to a file; later
// iterations (of this or any other pipeline naming the same file) read the file instead of running
// the input.
//
// A fill writes to a private temporary name and renames it to `filename` only after the input
// ended, so an abandoned or failed first pass never leaves a file that reads as a complete cache.
//
// File layout: the 8-byte magic "TDCACHE1", then records
//   uint64 payload length | uint32 masked crc32c(payload) | payload
// whose payload starts with a kind byte: 'E' an element, 'Z' the end (followed by the uint64
// element count). A file without the end record is truncated; any mismatch is an IOError naming
// the file and the byte offset of the bad record.
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "tandem/core/mutable_tensor.h"
#include "tandem/data/ops/nodes.h"
#include "tandem/io/crc32c.h"
#include "tandem/io/tfrecord_format.h"

namespace tandem::data::detail {

namespace {

constexpr char kMagic[8] = {'T', 'D', 'C', 'A', 'C', 'H', 'E', '1'};
constexpr char kElementKind = 'E';
constexpr char kEndKind = 'Z';
constexpr size_t kRecordHeader = 12;  // length + crc

// ---- Encoding ----

void put_u8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }
void put_u32(std::string* out, uint32_t v) {
  char b[4];
  io::store_le32(b, v);
  out->append(b, 4);
}
void put_u64(std::string* out, uint64_t v) {
  char b[8];
  io::store_le64(b, v);
  out->append(b, 8);
}
void put_bytes(std::string* out, const std::string& s) {
  put_u64(out, s.size());
  out->append(s);
}

void encode_tensor(const Tensor& tensor, std::string* out) {
  Tensor t = tensor.cpu();
  put_u8(out, static_cast<uint8_t>(t.dtype()));
  put_u32(out, static_cast<uint32_t>(t.rank()));
  for (int64_t d : t.shape().dims()) put_u64(out, static_cast<uint64_t>(d));
  if (t.dtype() == DType::kString) {
    const std::string* s = t.data<std::string>();
    for (int64_t i = 0; i < t.num_elements(); ++i) put_bytes(out, s[i]);
  } else {
    out->append(static_cast<const char*>(t.raw_data()), t.nbytes());
  }
}

std::string encode_element(const Element& e) {
  std::string out;
  put_u8(&out, static_cast<uint8_t>(kElementKind));
  put_u8(&out, e.is_map() ? 1 : 0);
  put_u32(&out, static_cast<uint32_t>(e.size()));
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.is_map()) put_bytes(&out, e.names()[i]);
    encode_tensor(e.components()[i], &out);
  }
  return out;
}

// ---- Decoding: a cursor over one payload; any overrun means the record is corrupt ----

struct CorruptRecord {
  std::string what;
};

class Cursor {
 public:
  explicit Cursor(const std::string& bytes) : p_(bytes.data()), end_(p_ + bytes.size()) {}
  const char* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) throw CorruptRecord{"payload ends early"};
    const char* at = p_;
    p_ += n;
    return at;
  }
  uint8_t u8() { return static_cast<uint8_t>(*take(1)); }
  uint32_t u32() { return io::load_le32(take(4)); }
  uint64_t u64() { return io::load_le64(take(8)); }
  std::string bytes() {
    uint64_t n = u64();
    if (n > static_cast<uint64_t>(end_ - p_)) throw CorruptRecord{"string longer than its record"};
    return std::string(take(n), n);
  }
  bool done() const { return p_ == end_; }
  // Whether at least n more bytes remain.
  bool holds(int64_t n) const { return n <= end_ - p_; }

 private:
  const char* p_;
  const char* end_;
};

Tensor decode_tensor(Cursor* c) {
  uint8_t code = c->u8();
  if (code > static_cast<uint8_t>(DType::kString)) {
    throw CorruptRecord{"unknown dtype code " + std::to_string(code)};
  }
  auto dtype = static_cast<DType>(code);
  uint32_t rank = c->u32();
  if (rank > 64) throw CorruptRecord{"rank " + std::to_string(rank)};
  std::vector<int64_t> dims(rank);
  for (auto& d : dims) {
    d = static_cast<int64_t>(c->u64());
    if (d < 0 || d > (int64_t{1} << 40)) throw CorruptRecord{"dimension " + std::to_string(d)};
  }
  Shape shape(std::move(dims));
  // The element count and byte size must fit in int64, and the record must hold them, before
  // anything is allocated: a valid CRC over a hostile shape is still a corrupt record.
  std::optional<int64_t> n = shape.try_num_elements();
  int64_t bytes = 0;
  int64_t least = dtype == DType::kString ? 8 : static_cast<int64_t>(dtype_size(dtype));
  if (!n || __builtin_mul_overflow(*n, least, &bytes) || !c->holds(bytes)) {
    throw CorruptRecord{"tensor of shape " + shape.to_string() + " and dtype " + dtype_name(dtype) +
                        " is larger than its record"};
  }
  if (dtype == DType::kString) {
    MutableTensor t = MutableTensor::empty(shape, dtype, Device::cpu());
    auto* s = t.mutable_data<std::string>();
    for (int64_t i = 0; i < *n; ++i) s[i] = c->bytes();
    return std::move(t).freeze();
  }
  const char* src = c->take(static_cast<size_t>(bytes));
  MutableTensor t = MutableTensor::empty(shape, dtype, Device::cpu());
  std::memcpy(t.mutable_raw_data(), src, t.nbytes());
  return std::move(t).freeze();
}

Element decode_element(Cursor* c) {
  bool is_map = c->u8() != 0;
  uint32_t n = c->u32();
  std::vector<std::string> names;
  std::vector<Tensor> components;
  for (uint32_t i = 0; i < n; ++i) {
    if (is_map) names.push_back(c->bytes());
    components.push_back(decode_tensor(c));
  }
  if (!c->done()) throw CorruptRecord{"trailing bytes after the element"};
  if (is_map) return Element::named(std::move(names), std::move(components));
  return Element(std::move(components));
}

// ---- Reading a complete cache ----

class FileReplayIterator : public IteratorBase {
 public:
  explicit FileReplayIterator(std::string path)
      : path_(std::move(path)), in_(path_, std::ios::binary) {
    TANDEM_CHECK(in_.is_open(), IOError, "cache: cannot open '", path_, "'");
    std::error_code ec;
    size_ = std::filesystem::file_size(path_, ec);
    char magic[sizeof(kMagic)];
    if (!in_.read(magic, sizeof(magic)) || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
      fail(0, "not a Tandem cache file (bad magic)");
    }
    offset_ = sizeof(kMagic);
  }

  std::optional<Element> next() override {
    if (done_) return std::nullopt;
    uint64_t at = offset_;
    std::string payload = read_record();
    try {
      Cursor c(payload);
      char kind = static_cast<char>(c.u8());
      if (kind == kElementKind) {
        ++count_;
        return decode_element(&c);
      }
      if (kind != kEndKind) throw CorruptRecord{"unknown record kind"};
      uint64_t expected = c.u64();
      if (expected != count_) {
        throw CorruptRecord{"end record counts " + std::to_string(expected) + " elements, read " +
                            std::to_string(count_)};
      }
      done_ = true;
      return std::nullopt;
    } catch (const CorruptRecord& e) {
      fail(at, "corrupt record: " + e.what);
    }
  }

 private:
  [[noreturn]] void fail(uint64_t offset, const std::string& what) const {
    throw IOError("cache: '" + path_ + "' at byte offset " + std::to_string(offset) + ": " + what);
  }

  std::string read_record() {
    uint64_t at = offset_;
    char header[kRecordHeader];
    in_.read(header, kRecordHeader);
    if (in_.gcount() == 0) fail(at, "truncated: the file ends before its end record");
    if (in_.gcount() != static_cast<std::streamsize>(kRecordHeader)) {
      fail(at, "truncated record header");
    }
    uint64_t length = io::load_le64(header);
    uint32_t crc = io::load_le32(header + 8);
    if (length > size_ - std::min<uint64_t>(size_, at + kRecordHeader)) {
      fail(at, "truncated record: " + std::to_string(length) + " bytes announced, " +
                   std::to_string(size_ - std::min<uint64_t>(size_, at + kRecordHeader)) +
                   " left in the file");
    }
    std::string payload(length, '\0');
    in_.read(payload.data(), static_cast<std::streamsize>(length));
    if (in_.gcount() != static_cast<std::streamsize>(length)) fail(at, "truncated record");
    if (io::crc32c_unmask(crc) != io::crc32c(payload)) fail(at, "checksum mismatch");
    offset_ = at + kRecordHeader + length;
    return payload;
  }

  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  uint64_t count_ = 0;
  bool done_ = false;
};

// ---- Writing the cache during the first full pass ----

std::string temp_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

class FileFillIterator : public IteratorBase {
 public:
  FileFillIterator(std::unique_ptr<IteratorBase> input, std::string path)
      : input_(std::move(input)), path_(std::move(path)), temp_(temp_name(path_)) {
    out_.open(temp_, std::ios::binary | std::ios::trunc);
    TANDEM_CHECK(out_.is_open(), IOError, "cache: cannot create '", temp_, "' (for the cache '",
                 path_, "')");
    out_.write(kMagic, sizeof(kMagic));
  }

  ~FileFillIterator() override {
    if (out_.is_open()) {  // abandoned or failed: leave no partial cache behind
      out_.close();
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }

  std::optional<Element> next() override {
    if (!input_) return std::nullopt;
    std::optional<Element> e = input_->next();
    if (e) {
      write_record(encode_element(*e));
      ++count_;
      return e;
    }
    input_.reset();
    std::string end;
    put_u8(&end, static_cast<uint8_t>(kEndKind));
    put_u64(&end, count_);
    write_record(end);
    out_.close();
    TANDEM_CHECK(!out_.fail(), IOError, "cache: writing '", temp_, "' failed");
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec) {
      std::filesystem::remove(temp_, ec);
      throw IOError("cache: cannot rename '" + temp_ + "' to '" + path_ + "'");
    }
    return std::nullopt;
  }

 private:
  void write_record(const std::string& payload) {
    char header[kRecordHeader];
    io::store_le64(header, payload.size());
    io::store_le32(header + 8, io::crc32c_mask(io::crc32c(payload)));
    out_.write(header, kRecordHeader);
    out_.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    TANDEM_CHECK(out_.good(), IOError, "cache: writing '", temp_, "' failed");
  }

  std::unique_ptr<IteratorBase> input_;
  std::string path_;
  std::string temp_;
  std::ofstream out_;
  uint64_t count_ = 0;
};

// No input(): sharding by file must not rewrite the pipeline below a file cache, whose one
// file every replica would then fill with its own share.
class FileCacheNode : public DatasetNode {
 public:
  FileCacheNode(NodePtr input, std::string path)
      : input_(std::move(input)), path_(std::move(path)) {}
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    // A complete cache exists only under its final name (fills rename on completion).
    if (std::filesystem::exists(path_)) return std::make_unique<FileReplayIterator>(path_);
    return std::make_unique<FileFillIterator>(input_->make_iterator(ctx), path_);
  }

 private:
  NodePtr input_;
  std::string path_;
};

}  // namespace

NodePtr make_file_cache_node(NodePtr input, std::string filename) {
  return std::make_shared<FileCacheNode>(std::move(input), std::move(filename));
}

}  // namespace tandem::data::detail
