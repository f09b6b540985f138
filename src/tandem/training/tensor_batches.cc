#include "tandem/training/tensor_batches.h"

#include <algorithm>
#include <mutex>

#include "tandem/core/error.h"
#include "tandem/data/ops/nodes.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/random.h"

namespace tandem {

namespace {

class TensorBatchesIterator : public data::IteratorBase {
 public:
  TensorBatchesIterator(const std::vector<Tensor>& tensors, const TensorBatchesOptions& options,
                        uint64_t seed, uint64_t epoch)
      : tensors_(tensors), options_(options), seed_(seed), epoch_(epoch) {
    rows_ = tensors_[0].shape()[0];
    batches_ = (rows_ + options_.batch_size - 1) / options_.batch_size;
    start_pass();
  }

  std::optional<data::Element> next() override {
    if (batch_ >= batches_) {
      if (!options_.repeat) return std::nullopt;
      ++pass_;
      start_pass();
    }
    const int64_t start = batch_ * options_.batch_size;
    const int64_t end = std::min(start + options_.batch_size, rows_);
    batch_ += options_.num_shards;
    std::vector<Tensor> out;
    out.reserve(tensors_.size());
    std::optional<Tensor> rows;
    if (order_) rows = (*order_)[{Slice(start, end)}];
    for (const Tensor& t : tensors_)
      out.push_back(rows ? gather(t, *rows) : t[{Slice(start, end)}]);
    return data::Element(std::move(out));
  }

 private:
  void start_pass() {
    batch_ = options_.shard;
    if (options_.shuffle)
      order_ = random_shuffle(range(int64_t{0}, rows_, int64_t{1}, int64),
                              data::detail::mix_seed(data::detail::mix_seed(seed_, epoch_), pass_));
  }

  std::vector<Tensor> tensors_;
  TensorBatchesOptions options_;
  uint64_t seed_;
  uint64_t epoch_;
  uint64_t pass_ = 0;
  int64_t rows_ = 0;
  int64_t batches_ = 0;
  int64_t batch_ = 0;
  std::optional<Tensor> order_;  // int64 row permutation of the current pass
};

class TensorBatchesNode : public data::DatasetNode {
 public:
  TensorBatchesNode(std::vector<Tensor> tensors, const TensorBatchesOptions& options)
      : tensors_(std::move(tensors)), options_(options) {}

  std::unique_ptr<data::IteratorBase> make_iterator(
      const data::IteratorContext& ctx) const override {
    std::call_once(seeded_,
                   [&] { seed_ = options_.shuffle && options_.seed ? options_.seed() : 0; });
    return std::make_unique<TensorBatchesIterator>(tensors_, options_, seed_, ctx.epoch);
  }
  int64_t cardinality() const override {
    if (options_.repeat) return data::INFINITE_CARDINALITY;
    const int64_t rows = tensors_[0].shape()[0];
    const int64_t batches = (rows + options_.batch_size - 1) / options_.batch_size;
    return std::max<int64_t>(
        0, (batches - options_.shard + options_.num_shards - 1) / options_.num_shards);
  }

 private:
  std::vector<Tensor> tensors_;
  TensorBatchesOptions options_;
  mutable std::once_flag seeded_;
  mutable uint64_t seed_ = 0;
};

}  // namespace

data::Dataset tensor_batches(std::vector<Tensor> tensors, const TensorBatchesOptions& options) {
  TANDEM_CHECK(!tensors.empty() && tensors[0].rank() >= 1, ValueError,
               "tensor_batches: expected tensors with a batch dimension");
  TANDEM_CHECK(options.batch_size > 0, ValueError, "batch_size must be positive, received ",
               options.batch_size);
  TANDEM_CHECK(options.num_shards > 0 && options.shard >= 0 && options.shard < options.num_shards,
               ValueError, "tensor_batches: shard ", options.shard, " of ", options.num_shards,
               " is out of range");
  return data::Dataset(std::make_shared<TensorBatchesNode>(std::move(tensors), options));
}

}  // namespace tandem
