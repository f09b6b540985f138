// with_options: a transparent node that attaches tf.data.Options to a pipeline.
#include "tandem/data/ops/nodes.h"

namespace tandem::data {

const char* to_string(AutoShardPolicy policy) {
  switch (policy) {
    case AutoShardPolicy::kAuto:
      return "AUTO";
    case AutoShardPolicy::kFile:
      return "FILE";
    case AutoShardPolicy::kData:
      return "DATA";
    case AutoShardPolicy::kOff:
      return "OFF";
  }
  return "?";
}

namespace detail {

namespace {

class OptionsNode : public DatasetNode {
 public:
  OptionsNode(NodePtr input, Options options) : input_(std::move(input)), options_(options) {}
  int64_t cardinality() const override { return input_->cardinality(); }
  std::unique_ptr<IteratorBase> make_iterator(const IteratorContext& ctx) const override {
    return input_->make_iterator(ctx);
  }
  NodePtr input() const override { return input_; }
  NodePtr with_input(NodePtr input) const override {
    return make_options_node(std::move(input), options_);
  }
  const Options* attached_options() const override { return &options_; }

 private:
  NodePtr input_;
  Options options_;
};

}  // namespace

NodePtr make_options_node(NodePtr input, Options options) {
  return std::make_shared<OptionsNode>(std::move(input), options);
}

Options find_options(const NodePtr& node) {
  for (const DatasetNode* n = node.get(); n != nullptr; n = n->input().get())
    if (const Options* options = n->attached_options()) return *options;
  return {};
}

}  // namespace detail
}  // namespace tandem::data
