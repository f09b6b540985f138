// TFRecordDataset: records of TFRecord files (framing and CRCs checked by io::TFRecordReader), one
// file after another, as string scalars.
#include "tandem/core/mutable_tensor.h"
#include "tandem/data/ops/nodes.h"
#include "tandem/io/tfrecord_reader.h"

namespace tandem::data::detail {

namespace {

class TFRecordNode : public DatasetNode {
 public:
  const std::vector<std::string>* source_files() const override { return &filenames_; }
  NodePtr with_source_files(std::vector<std::string> files) const override {
    return make_tfrecord_node(std::move(files), options_);
  }
  TFRecordNode(std::vector<std::string> filenames, TFRecordDatasetOptions options)
      : filenames_(std::move(filenames)), options_(std::move(options)) {
    TANDEM_CHECK(!filenames_.empty(), ValueError, "TFRecordDataset: expected at least one file");
    const std::string& c = options_.compression_type;
    TANDEM_CHECK(
        c.empty() || c == "GZIP" || c == "ZLIB", ValueError,
        "TFRecordDataset: compression_type must be \"\", \"GZIP\" or \"ZLIB\", received \"", c,
        "\"");
  }
  int64_t cardinality() const override { return UNKNOWN_CARDINALITY; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext&) const override {
    class It : public IteratorBase {
     public:
      It(std::vector<std::string> filenames, TFRecordDatasetOptions options)
          : filenames_(std::move(filenames)), options_(std::move(options)) {}
      std::optional<Element> next() override {
        while (true) {
          if (!reader_) {
            if (file_ >= filenames_.size()) return std::nullopt;
            reader_ = std::make_unique<io::TFRecordReader>(
                filenames_[file_],
                io::TFRecordReaderOptions{.compression_type = options_.compression_type,
                                          .skip_corrupt_records = options_.skip_corrupt_records,
                                          .buffer_size = options_.buffer_size});
          }
          if (std::optional<std::string> record = reader_->next()) {
            MutableTensor t = MutableTensor::empty(Shape{}, DType::kString, Device::cpu());
            *t.mutable_data<std::string>() = std::move(*record);
            return Element(std::move(t).freeze());
          }
          reader_.reset();
          ++file_;
        }
      }

     private:
      std::vector<std::string> filenames_;
      TFRecordDatasetOptions options_;
      size_t file_ = 0;
      std::unique_ptr<io::TFRecordReader> reader_;
    };
    return std::make_unique<It>(filenames_, options_);
  }

 private:
  std::vector<std::string> filenames_;
  TFRecordDatasetOptions options_;
};

}  // namespace

NodePtr make_tfrecord_node(std::vector<std::string> filenames, TFRecordDatasetOptions options) {
  return std::make_shared<TFRecordNode>(std::move(filenames), std::move(options));
}

}  // namespace tandem::data::detail
