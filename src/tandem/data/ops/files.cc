// File sources: list_files (glob patterns) and TextLineDataset (lines of text files).
#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

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
  Tensor t = Tensor::empty(Shape{}, DType::kString, Device::cpu());
  *static_cast<std::string*>(const_cast<void*>(t.raw_data())) = std::move(value);
  return t;
}

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
  Tensor names =
      Tensor::empty(Shape{static_cast<int64_t>(files.size())}, DType::kString, Device::cpu());
  auto* dst = static_cast<std::string*>(const_cast<void*>(names.raw_data()));
  for (size_t i = 0; i < files.size(); ++i) dst[i] = files[i];
  NodePtr node = make_tensor_slices_node({names}, {});
  // tf.data.Dataset.list_files shuffles every epoch; the whole list fits in the buffer.
  if (shuffle) node = make_shuffle_node(node, static_cast<int64_t>(files.size()), seed, true);
  return node;
}

namespace {

class TextLineNode : public DatasetNode {
 public:
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
