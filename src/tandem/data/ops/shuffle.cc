// shuffle with tf.data's buffer semantics: fill a buffer of buffer_size elements, then repeatedly
// emit a uniformly chosen one and put the next input in its place. The order is a pure function
// of (seed, epoch) when reshuffling, of the seed alone otherwise.
#include <random>

#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

class ShuffleIterator : public IteratorBase {
 public:
  ShuffleIterator(std::unique_ptr<IteratorBase> input, int64_t buffer_size, uint64_t seed)
      : input_(std::move(input)), buffer_size_(static_cast<size_t>(buffer_size)), rng_(seed) {}

  std::optional<Element> next() override {
    while (!input_done_ && buffer_.size() < buffer_size_) {
      std::optional<Element> e = input_->next();
      if (!e) {
        input_done_ = true;
        break;
      }
      buffer_.push_back(std::move(*e));
    }
    if (buffer_.empty()) return std::nullopt;
    size_t pick = std::uniform_int_distribution<size_t>(0, buffer_.size() - 1)(rng_);
    Element out = std::move(buffer_[pick]);
    // The next input (pulled on the following call) refills the gap at the end of the buffer.
    buffer_[pick] = std::move(buffer_.back());
    buffer_.pop_back();
    return out;
  }

 private:
  std::unique_ptr<IteratorBase> input_;
  size_t buffer_size_;
  std::mt19937_64 rng_;
  std::vector<Element> buffer_;
  bool input_done_ = false;
};

class ShuffleNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<ShuffleNode>(std::move(input), buffer_size_, seed_, reshuffle_);
  }
  ShuffleNode(NodePtr input, int64_t buffer_size, uint64_t seed, bool reshuffle)
      : input_(std::move(input)), buffer_size_(buffer_size), seed_(seed), reshuffle_(reshuffle) {
    TANDEM_CHECK(buffer_size > 0, ValueError, "shuffle: buffer_size must be positive, received ",
                 buffer_size);
  }
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    uint64_t seed = reshuffle_ ? mix_seed(seed_, ctx.epoch) : mix_seed(seed_, 0);
    return std::make_unique<ShuffleIterator>(input_->make_iterator(ctx), buffer_size_, seed);
  }

 private:
  NodePtr input_;
  int64_t buffer_size_;
  uint64_t seed_;
  bool reshuffle_;
};

}  // namespace

NodePtr make_shuffle_node(NodePtr input, int64_t buffer_size, uint64_t seed, bool reshuffle) {
  return std::make_shared<ShuffleNode>(std::move(input), buffer_size, seed, reshuffle);
}

}  // namespace tandem::data::detail
