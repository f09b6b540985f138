// Element-count transformations: repeat, take, skip, shard, enumerate.
#include <algorithm>

#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

class RepeatNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<RepeatNode>(std::move(input), count_);
  }
  RepeatNode(NodePtr input, int64_t count) : input_(std::move(input)), count_(count) {}
  int64_t cardinality() const override {
    int64_t n = input_->cardinality();
    if (count_ == 0 || n == 0) return 0;
    if (count_ < 0 || n == INFINITE_CARDINALITY) return INFINITE_CARDINALITY;
    if (n == UNKNOWN_CARDINALITY) return UNKNOWN_CARDINALITY;
    return n * count_;
  }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(NodePtr input, int64_t count, IteratorContext ctx)
          : input_(std::move(input)), count_(count), ctx_(ctx) {}
      std::optional<Element> next() override {
        while (count_ < 0 || repetition_ < count_) {
          if (!current_) current_ = input_->make_iterator(context());
          if (std::optional<Element> e = current_->next()) {
            produced_ = true;
            return e;
          }
          current_.reset();
          ++repetition_;
          // An empty input repeated forever would spin; stop after a pass that yields nothing.
          if (!produced_) return std::nullopt;
          produced_ = false;
        }
        return std::nullopt;
      }

     private:
      // Each repetition is its own iteration, so reshuffling shuffles inside it differ.
      IteratorContext context() const {
        return IteratorContext{
            .epoch = repetition_ == 0 ? ctx_.epoch
                                      : mix_seed(ctx_.epoch, static_cast<uint64_t>(repetition_))};
      }
      NodePtr input_;
      int64_t count_;
      IteratorContext ctx_;
      std::unique_ptr<IteratorBase> current_;
      int64_t repetition_ = 0;
      bool produced_ = false;
    };
    return std::make_unique<It>(input_, count_, ctx);
  }

 private:
  NodePtr input_;
  int64_t count_;
};

// take, skip and shard pick elements by position: keep element i when pick(i) says so; stop
// once nothing further can be kept.
class PositionalNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<PositionalNode>(std::move(input), kind_, a_, b_);
  }
  enum class Kind { kTake, kSkip, kShard };
  PositionalNode(NodePtr input, Kind kind, int64_t a, int64_t b)
      : input_(std::move(input)), kind_(kind), a_(a), b_(b) {}

  int64_t cardinality() const override {
    int64_t n = input_->cardinality();
    switch (kind_) {
      case Kind::kTake:
        if (a_ < 0) return n;
        if (n == INFINITE_CARDINALITY) return a_;
        return n == UNKNOWN_CARDINALITY ? n : std::min(n, a_);
      case Kind::kSkip:
        if (n < 0) return n;
        return a_ < 0 ? 0 : std::max<int64_t>(0, n - a_);
      case Kind::kShard:
        if (n < 0) return n;
        return n / a_ + (b_ < n % a_ ? 1 : 0);
    }
    return UNKNOWN_CARDINALITY;
  }

  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(std::unique_ptr<IteratorBase> input, Kind kind, int64_t a, int64_t b)
          : input_(std::move(input)), kind_(kind), a_(a), b_(b) {}
      std::optional<Element> next() override {
        while (true) {
          if (kind_ == Kind::kTake && a_ >= 0 && index_ >= a_) return std::nullopt;
          std::optional<Element> e = input_->next();
          if (!e) return std::nullopt;
          int64_t i = index_++;
          if (keep(i)) return e;
        }
      }

     private:
      bool keep(int64_t i) const {
        switch (kind_) {
          case Kind::kTake:
            return true;
          case Kind::kSkip:
            return a_ >= 0 && i >= a_;
          case Kind::kShard:
            return i % a_ == b_;
        }
        return false;
      }
      std::unique_ptr<IteratorBase> input_;
      Kind kind_;
      int64_t a_, b_;
      int64_t index_ = 0;
    };
    return std::make_unique<It>(input_->make_iterator(ctx), kind_, a_, b_);
  }

 private:
  NodePtr input_;
  Kind kind_;
  int64_t a_, b_;
};

class EnumerateNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return std::make_shared<EnumerateNode>(std::move(input), start_);
  }
  EnumerateNode(NodePtr input, int64_t start) : input_(std::move(input)), start_(start) {}
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(std::unique_ptr<IteratorBase> input, int64_t start)
          : input_(std::move(input)), counter_(start) {}
      std::optional<Element> next() override {
        std::optional<Element> e = input_->next();
        if (!e) return std::nullopt;
        std::vector<Tensor> parts{
            Tensor::from_vector<int64_t>({counter_++}, Shape{}, Device::cpu())};
        parts.insert(parts.end(), e->components().begin(), e->components().end());
        if (!e->is_map()) return Element(std::move(parts));
        std::vector<std::string> names{"index"};
        names.insert(names.end(), e->names().begin(), e->names().end());
        return Element::named(std::move(names), std::move(parts));
      }

     private:
      std::unique_ptr<IteratorBase> input_;
      int64_t counter_;
    };
    return std::make_unique<It>(input_->make_iterator(ctx), start_);
  }

 private:
  NodePtr input_;
  int64_t start_;
};

}  // namespace

NodePtr make_repeat_node(NodePtr input, int64_t count) {
  return std::make_shared<RepeatNode>(std::move(input), count);
}

NodePtr make_take_node(NodePtr input, int64_t count) {
  return std::make_shared<PositionalNode>(std::move(input), PositionalNode::Kind::kTake, count, 0);
}

NodePtr make_skip_node(NodePtr input, int64_t count) {
  return std::make_shared<PositionalNode>(std::move(input), PositionalNode::Kind::kSkip, count, 0);
}

NodePtr make_shard_node(NodePtr input, int64_t num_shards, int64_t index) {
  TANDEM_CHECK(num_shards > 0, ValueError, "shard: num_shards must be positive, received ",
               num_shards);
  TANDEM_CHECK(index >= 0 && index < num_shards, ValueError, "shard: index must be in [0, ",
               num_shards, "), received ", index);
  return std::make_shared<PositionalNode>(std::move(input), PositionalNode::Kind::kShard,
                                          num_shards, index);
}

NodePtr make_enumerate_node(NodePtr input, int64_t start) {
  return std::make_shared<EnumerateNode>(std::move(input), start);
}

}  // namespace tandem::data::detail
