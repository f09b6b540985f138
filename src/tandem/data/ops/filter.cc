// filter: keeps the elements for which the predicate holds.
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

class FilterNode : public DatasetNode {
 public:
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return make_filter_node(std::move(input), predicate_);
  }
  FilterNode(NodePtr input, Predicate predicate)
      : input_(std::move(input)), predicate_(std::move(predicate)) {}
  int64_t cardinality() const override {
    return input_->cardinality() == INFINITE_CARDINALITY ? INFINITE_CARDINALITY
                                                         : UNKNOWN_CARDINALITY;
  }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(std::unique_ptr<IteratorBase> input, Predicate p)
          : input_(std::move(input)), predicate_(std::move(p)) {}
      std::optional<Element> next() override {
        while (std::optional<Element> e = input_->next()) {
          int64_t index = index_++;
          bool keep = false;
          try {
            keep = predicate_(*e);
          } catch (...) {
            rethrow_with_context(
                std::current_exception(),
                "filter: the predicate failed on element " + std::to_string(index));
          }
          if (keep) return e;
        }
        return std::nullopt;
      }

     private:
      std::unique_ptr<IteratorBase> input_;
      Predicate predicate_;
      int64_t index_ = 0;
    };
    return std::make_unique<It>(input_->make_iterator(ctx), predicate_);
  }

 private:
  NodePtr input_;
  Predicate predicate_;
};

}  // namespace

NodePtr make_filter_node(NodePtr input, Predicate predicate) {
  return std::make_shared<FilterNode>(std::move(input), std::move(predicate));
}

}  // namespace tandem::data::detail
