// Combining datasets: zip and concatenate.
#include <algorithm>

#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

namespace {

class ZipNode : public DatasetNode {
 public:
  explicit ZipNode(std::vector<NodePtr> inputs) : inputs_(std::move(inputs)) {}

  int64_t cardinality() const override {
    int64_t result = INFINITE_CARDINALITY;
    for (const NodePtr& in : inputs_) {
      int64_t c = in->cardinality();
      if (c == UNKNOWN_CARDINALITY) return UNKNOWN_CARDINALITY;
      if (c == INFINITE_CARDINALITY) continue;
      result = result == INFINITE_CARDINALITY ? c : std::min(result, c);
    }
    return result;
  }

  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      explicit It(std::vector<std::unique_ptr<IteratorBase>> inputs) : inputs_(std::move(inputs)) {}
      std::optional<Element> next() override {
        std::vector<Element> parts;
        for (auto& in : inputs_) {
          std::optional<Element> e = in->next();
          if (!e) return std::nullopt;
          parts.push_back(std::move(*e));
        }
        return merge(parts);
      }

     private:
      std::vector<std::unique_ptr<IteratorBase>> inputs_;
    };
    std::vector<std::unique_ptr<IteratorBase>> its;
    for (const NodePtr& in : inputs_) its.push_back(in->make_iterator(ctx));
    return std::make_unique<It>(std::move(its));
  }

 private:
  // Tuples concatenate their components; maps merge their names (a name may appear only once).
  static Element merge(const std::vector<Element>& parts) {
    bool any_map = std::any_of(parts.begin(), parts.end(), [](auto& e) { return e.is_map(); });
    bool all_map = std::all_of(parts.begin(), parts.end(), [](auto& e) { return e.is_map(); });
    TANDEM_CHECK(!any_map || all_map, ValueError,
                 "zip: cannot combine map elements with tuple elements; received ",
                 parts.front().describe(), " and ", parts.back().describe());
    std::vector<Tensor> components;
    std::vector<std::string> names;
    for (const Element& e : parts) {
      components.insert(components.end(), e.components().begin(), e.components().end());
      names.insert(names.end(), e.names().begin(), e.names().end());
    }
    if (!all_map) return Element(std::move(components));
    return Element::named(std::move(names), std::move(components));
  }

  std::vector<NodePtr> inputs_;
};

class ConcatenateNode : public DatasetNode {
 public:
  ConcatenateNode(NodePtr first, NodePtr second)
      : first_(std::move(first)), second_(std::move(second)) {}

  int64_t cardinality() const override {
    int64_t a = first_->cardinality(), b = second_->cardinality();
    if (a == INFINITE_CARDINALITY || b == INFINITE_CARDINALITY) return INFINITE_CARDINALITY;
    if (a == UNKNOWN_CARDINALITY || b == UNKNOWN_CARDINALITY) return UNKNOWN_CARDINALITY;
    return a + b;
  }

  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    class It : public IteratorBase {
     public:
      It(std::unique_ptr<IteratorBase> first, NodePtr second, IteratorContext ctx)
          : current_(std::move(first)), second_(std::move(second)), ctx_(ctx) {}
      std::optional<Element> next() override {
        while (true) {
          std::optional<Element> e = current_->next();
          if (e || !second_) {
            if (e && !second_ && reference_) {
              check_compatible(*e);  // the second dataset's first element
              reference_.reset();
            } else if (e && second_ && !reference_) {
              reference_ = *e;
            }
            return e;
          }
          current_ = second_->make_iterator(ctx_);  // the second dataset starts only when needed
          second_.reset();
        }
      }

     private:
      // tf.data requires both datasets to have the same structure and dtypes.
      void check_compatible(const Element& e) const {
        bool same = e.size() == reference_->size() && e.names() == reference_->names();
        for (size_t i = 0; same && i < e.size(); ++i) {
          same = e[i].dtype() == (*reference_)[i].dtype() && e[i].rank() == (*reference_)[i].rank();
        }
        TANDEM_CHECK(same, ValueError,
                     "concatenate: the datasets must have compatible elements; the first yields ",
                     reference_->describe(), ", the second ", e.describe());
      }
      std::unique_ptr<IteratorBase> current_;
      NodePtr second_;
      IteratorContext ctx_;
      std::optional<Element> reference_;
    };
    return std::make_unique<It>(first_->make_iterator(ctx), second_, ctx);
  }

 private:
  NodePtr first_, second_;
};

}  // namespace

NodePtr make_zip_node(std::vector<NodePtr> inputs) {
  return std::make_shared<ZipNode>(std::move(inputs));
}

NodePtr make_concatenate_node(NodePtr first, NodePtr second) {
  return std::make_shared<ConcatenateNode>(std::move(first), std::move(second));
}

}  // namespace tandem::data::detail
