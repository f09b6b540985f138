// Sharding by file (AutoShardPolicy FILE): the pipeline rebuilt over a file source that reads
// only one replica's files.
#include "tandem/data/ops/nodes.h"

namespace tandem::data::detail {

NodePtr shard_by_file(const NodePtr& node, int64_t num_shards, int64_t index, int64_t& files) {
  if (const std::vector<std::string>* all = node->source_files()) {
    files = static_cast<int64_t>(all->size());
    if (files < num_shards) return nullptr;
    std::vector<std::string> mine;
    for (size_t i = static_cast<size_t>(index); i < all->size(); i += size_t(num_shards))
      mine.push_back((*all)[i]);
    return node->with_source_files(std::move(mine));
  }
  NodePtr input = node->input();
  if (!input) {
    files = 0;
    return nullptr;
  }
  NodePtr sharded = shard_by_file(input, num_shards, index, files);
  return sharded ? node->with_input(std::move(sharded)) : nullptr;
}

}  // namespace tandem::data::detail
