#include "tandem/distributed/gather_round_robin.h"

#include "tandem/core/error.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::distributed {

Tensor gather_round_robin(Strategy& strategy, const std::vector<Tensor>& batches) {
  TANDEM_CHECK(!batches.empty(), ValueError,
               "gather_round_robin needs at least one batch on every replica");
  const int n = strategy.num_replicas_in_sync();
  std::vector<int64_t> sizes;
  for (const Tensor& b : batches) sizes.push_back(b.shape()[0]);
  // Every replica's batch count, then every batch's size, then the rows, all rank-major.
  std::vector<int64_t> counts =
      strategy.all_gather(constant(std::vector<int64_t>{int64_t(batches.size())}, Shape{1}))
          .to_vector<int64_t>();
  std::vector<int64_t> all_sizes =
      strategy.all_gather(constant(sizes, Shape{int64_t(sizes.size())})).to_vector<int64_t>();
  Tensor rows = strategy.all_gather(batches.size() == 1 ? batches[0] : concat(batches, 0));
  // Where each replica's block of batches, and each batch in it, starts.
  std::vector<int64_t> first_batch(size_t(n) + 1, 0), row_of_batch;
  for (int r = 0; r < n; ++r)
    first_batch[size_t(r) + 1] = first_batch[size_t(r)] + counts[size_t(r)];
  int64_t at = 0;
  for (int64_t s : all_sizes) row_of_batch.push_back(at), at += s;
  std::vector<int64_t> order;
  order.reserve(size_t(rows.shape()[0]));
  for (int64_t j = 0;; ++j) {
    const int r = int(j % n);
    const int64_t local = j / n;
    if (local >= counts[size_t(r)]) break;  // the deal ended at the first replica short of one
    const size_t index = size_t(first_batch[size_t(r)] + local);
    for (int64_t k = 0; k < all_sizes[index]; ++k) order.push_back(row_of_batch[index] + k);
  }
  TANDEM_CHECK(int64_t(order.size()) == rows.shape()[0], ValueError,
               "gather_round_robin: the replicas' batch counts are not a round-robin deal "
               "(a replica has more batches than the one before it)");
  return gather(rows, constant(order, Shape{int64_t(order.size())}));
}

}  // namespace tandem::distributed
