// File sources: list_files (glob patterns) and TextLineDataset (lines of text files).
#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "tandem/core/mutable_tensor.h"
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t result{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &result);
  std::vector<std::string> files;
  if (rc == 0) {
    for (size_t i = 0; i < result.gl_pathc; ++i) files.emplace_back(result.gl_pathv[i]);
  }
  ::globfree(&result);
  TANDEM_CHECK(rc == 0 || rc == GLOB_NOMATCH, IOError, "list_files: cannot expand pattern '",
               pattern, "' (glob error ", rc, ")");
  return files;
}

Tensor string_scalar(std::string value) {
  MutableTensor t = MutableTensor::empty(Shape{}, DType::kString, Device::cpu());
  *t.mutable_data<std::string>() = std::move(value);
  return std::move(t).freeze();
}

// list_files: the matched file names as string scalars, in sorted order, shuffled every epoch
// when asked (tf.data.Dataset.list_files; the whole list fits in the shuffle buffer). A file
// source, so that sharding by file splits the list before the shuffle: every replica's share is
// then fixed whatever the shuffle seeds.
class ListFilesNode : public DatasetNode {
 public:
  ListFilesNode(std::vector<std::string> files, bool shuffle, uint64_t seed)
      : files_(std::move(files)), shuffle_(shuffle), seed_(seed) {
    MutableTensor names = MutableTensor::empty(Shape{static_cast<int64_t>(files_.size())},
                                               DType::kString, Device::cpu());
    auto* dst = names.mutable_data<std::string>();
    for (size_t i = 0; i < files_.size(); ++i) dst[i] = files_[i];
    names_ = make_tensor_slices_node({std::move(names).freeze()}, {});
    if (shuffle_ && !files_.empty())
      names_ = make_shuffle_node(names_, static_cast<int64_t>(files_.size()), seed_, true);
  }
  int64_t cardinality() const override { return names_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    return names_->make_iterator(ctx);
  }
  const std::vector<std::string>* source_files() const override { return &files_; }
  NodePtr with_source_files(std::vector<std::string> files) const override {
    return std::make_shared<ListFilesNode>(std::move(files), shuffle_, seed_);
  }

 private:
  std::vector<std::string> files_;
  bool shuffle_;
  uint64_t seed_;
  NodePtr names_;
};

}  // namespace

NodePtr make_list_files_node(const std::vector<std::string>& patterns, bool shuffle,
                             uint64_t seed) {
  TANDEM_CHECK(!patterns.empty(), ValueError, "list_files: expected at least one pattern");
  std::vector<std::string> files;
  for (const std::string& p : patterns) {
    std::vector<std::string> matched = glob_files(p);
    files.insert(files.end(), matched.begin(), matched.end());
  }
  std::string all;
  for (const std::string& p : patterns) all += (all.empty() ? "'" : ", '") + p + "'";
  TANDEM_CHECK(!files.empty(), IOError, "list_files: no files matched pattern ", all);
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return std::make_shared<ListFilesNode>(std::move(files), shuffle, seed);
}

namespace {
class TextLineNode : public DatasetNode {
 public:
  const std::vector<std::string>* source_files() const override { return &filenames_; }
  NodePtr with_source_files(std::vector<std::string> files) const override {
    return make_text_line_node(std::move(files));
  }
  explicit TextLineNode(std::vector<std::string> filenames) : filenames_(std::move(filenames)) {
    TANDEM_CHECK(!filenames_.empty(), ValueError, "TextLineDataset: expected at least one file");
  }
  int64_t cardinality() const override { return UNKNOWN_CARDINALITY; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      explicit It(std::vector<std::string> filenames) : filenames_(std::move(filenames)) {}
      std::optional<Element> next() override {
        std::string line;
        while (true) {
          if (!stream_.is_open()) {
            if (file_ >= filenames_.size()) return std::nullopt;
            open(filenames_[file_]);
          }
          if (std::getline(stream_, line)) break;
          TANDEM_CHECK(!stream_.bad(), IOError, "TextLineDataset: read error in '",
                       filenames_[file_], "' after line ", line_number_);
          stream_.close();
          ++file_;
        }
        ++line_number_;
        if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF files
        return Element(string_scalar(std::move(line)));
      }

     private:
      void open(const std::string& name) {
        stream_.open(name, std::ios::binary);
        TANDEM_CHECK(stream_.is_open(), IOError, "TextLineDataset: cannot open '", name,
                     "': ", std::strerror(errno));
        line_number_ = 0;
      }
      std::vector<std::string> filenames_;
      size_t file_ = 0;
      std::ifstream stream_;
      int64_t line_number_ = 0;
    };
    return std::make_unique<It>(filenames_);
  }

 private:
  std::vector<std::string> filenames_;
};

}  // namespace

NodePtr make_text_line_node(std::vector<std::string> filenames) {
  return std::make_shared<TextLineNode>(std::move(filenames));
}

}  // namespace tandem::data::detail
