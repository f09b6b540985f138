// interleave: keeps cycle_length datasets (made by fn from input elements) open and takes
// block_length elements from each in turn, replacing a dataset by the next input's when it ends
// (tf.data's InterleaveDataset order). With num_parallel_calls > 1 every open dataset is produced
// ahead on its own thread; the output order stays the same.
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

class InterleaveIterator : public IteratorBase {
 public:
  InterleaveIterator(std::unique_ptr<IteratorBase> input, InterleaveFunction fn,
                     const InterleaveOptions& options, int64_t cycle_length, IteratorContext ctx)
      : input_(std::move(input)),
        fn_(std::move(fn)),
        block_length_(options.block_length),
        parallel_(options.num_parallel_calls > 1 || options.num_parallel_calls == AUTOTUNE),
        ctx_(ctx),
        slots_(static_cast<size_t>(cycle_length)) {}

  std::optional<Element> next() override {
    while (!input_done_ || open_ > 0) {
      Slot& slot = slots_[pos_];
      if (slot.it) {
        if (std::optional<Element> e = slot.it->next()) {
          if (++slot.taken == block_length_) advance();
          return e;
        }
        slot.it.reset();
        --open_;
        advance();
      } else if (!input_done_) {
        open(slot);
      } else {
        advance();
      }
    }
    return std::nullopt;
  }

 private:
  struct Slot {
    std::unique_ptr<IteratorBase> it;
    int64_t taken = 0;
  };

  void open(Slot& slot) {
    std::optional<Element> e = input_->next();
    if (!e) {
      input_done_ = true;
      return;
    }
    int64_t index = index_++;
    Dataset ds = [&] {
      try {
        return fn_(*e);
      } catch (...) {
        rethrow_with_context(std::current_exception(),
                             "interleave: the function failed on element " + std::to_string(index));
      }
    }();
    slot.it = ds.node()->make_iterator(ctx_);
    if (parallel_) {
      slot.it = make_prefetch_iterator(std::move(slot.it), std::max<int64_t>(2, block_length_));
    }
    slot.taken = 0;
    ++open_;
  }

  void advance() {
    slots_[pos_].taken = 0;
    pos_ = (pos_ + 1) % slots_.size();
  }

  std::unique_ptr<IteratorBase> input_;
  InterleaveFunction fn_;
  int64_t block_length_;
  bool parallel_;
  IteratorContext ctx_;
  std::vector<Slot> slots_;
  size_t pos_ = 0;
  int64_t open_ = 0;
  int64_t index_ = 0;
  bool input_done_ = false;
};

class InterleaveNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return make_interleave_node(std::move(input), fn_, options_);
  }
  InterleaveNode(NodePtr input, InterleaveFunction fn, InterleaveOptions options)
      : input_(std::move(input)), fn_(std::move(fn)), options_(options) {
    TANDEM_CHECK(options.cycle_length > 0 || options.cycle_length == AUTOTUNE, ValueError,
                 "interleave: cycle_length must be positive or AUTOTUNE, received ",
                 options.cycle_length);
    TANDEM_CHECK(options.block_length > 0, ValueError,
                 "interleave: block_length must be positive, received ", options.block_length);
  }
  int64_t cardinality() const override { return UNKNOWN_CARDINALITY; }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    int64_t cycle = options_.cycle_length == AUTOTUNE ? autotune_threads() : options_.cycle_length;
    return std::make_unique<InterleaveIterator>(input_->make_iterator(ctx), fn_, options_, cycle,
                                                ctx);
  }

 private:
  NodePtr input_;
  InterleaveFunction fn_;
  InterleaveOptions options_;
};

}  // namespace

NodePtr make_interleave_node(NodePtr input, InterleaveFunction fn, InterleaveOptions options) {
  return std::make_shared<InterleaveNode>(std::move(input), std::move(fn), options);
}

}  // namespace tandem::data::detail
