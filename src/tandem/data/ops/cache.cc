// cache(): the first iteration that runs to its end stores its elements; later iterations replay
// them without touching the input (so expensive maps and file reads run once).
#include <mutex>

#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

struct CacheState {
  std::mutex mutex;
  bool complete = false;
  std::shared_ptr<const std::vector<Element>> elements;
};

class CacheNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override { return make_cache_node(std::move(input)); }
  explicit CacheNode(NodePtr input)
      : input_(std::move(input)), state_(std::make_shared<CacheState>()) {}
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->complete) return std::make_unique<ReplayIterator>(state_->elements);
    }
    return std::make_unique<FillIterator>(input_->make_iterator(ctx), state_);
  }

 private:
  class ReplayIterator : public IteratorBase {
   public:
    explicit ReplayIterator(std::shared_ptr<const std::vector<Element>> elements)
        : elements_(std::move(elements)) {}
    std::optional<Element> next() override {
      if (i_ >= elements_->size()) return std::nullopt;
      return (*elements_)[i_++];
    }

   private:
    std::shared_ptr<const std::vector<Element>> elements_;
    size_t i_ = 0;
  };

  // Reads through the input; an iteration abandoned part-way stores nothing (as in tf.data).
  class FillIterator : public IteratorBase {
   public:
    FillIterator(std::unique_ptr<IteratorBase> input, std::shared_ptr<CacheState> state)
        : input_(std::move(input)), state_(std::move(state)) {}
    std::optional<Element> next() override {
      if (!input_) return std::nullopt;
      std::optional<Element> e = input_->next();
      if (e) {
        seen_.push_back(*e);
        return e;
      }
      input_.reset();
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (!state_->complete) {
        state_->elements = std::make_shared<const std::vector<Element>>(std::move(seen_));
        state_->complete = true;
      }
      return std::nullopt;
    }

   private:
    std::unique_ptr<IteratorBase> input_;
    std::shared_ptr<CacheState> state_;
    std::vector<Element> seen_;
  };

  NodePtr input_;
  std::shared_ptr<CacheState> state_;
};

}  // namespace

NodePtr make_cache_node(NodePtr input) { return std::make_shared<CacheNode>(std::move(input)); }

}  // namespace tandem::data::detail
