#include "tandem/distributed/cross_replica.h"

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/distributed/strategy.h"

namespace tandem::distributed {

Tensor cross_replica_sum(const Tensor& x) {
  Tensor out;
  {
    autodiff::PauseAllTapes pause;
    out = get_strategy().all_reduce_sum({x})[0];
  }
  // A fresh identity even on one process, where the sum hands x back.
  out = stop_gradient(out);
  if (autodiff::should_record({x})) {
    autodiff::record_operation("CrossReplicaSum", {x}, {out},
                               [](const std::vector<Tensor>& dy) -> autodiff::GradList {
                                 return {cross_replica_sum(dy[0])};
                               });
  }
  return out;
}

}  // namespace tandem::distributed
