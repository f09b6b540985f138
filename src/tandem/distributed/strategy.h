// Strategy: the one seam between the training code and data parallelism (tf.distribute.Strategy's
// role; DESIGN section 4, docs/distributed.md has the diagram). The training loops, GradientTape
// and Optimizer call the current strategy at fixed points and never test the world size:
//
//   fit start            broadcast_variables(weights + optimizer state), shared_seed()
//   tape.gradient        on_backward_begin(sources), on_gradient_ready(source, grad) per source
//   apply_gradients      aggregate_gradients(grads, vars): the averaged gradients to apply
//                        (with gradient accumulation: only on update steps, and
//                        aggregate_accumulated_gradients instead)
//   before logs          all_reduce_sum(metric state)
//   data                 num_replicas_in_sync() / replica_id() shard; agree_min(steps)
//   every step           agree_max({stop_training, out of data})
//   output               is_chief(), barrier()
//
// The default strategy (one process) answers every call locally at no cost;
// distributed::DataParallel (data_parallel.h) is the multi-process one. get_strategy() returns the
// strategy in scope, else the process default: DataParallel when a launcher (mpirun, srun)
// started this process as one of several ranks, the default strategy otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem::distributed {

class Strategy {
 public:
  virtual ~Strategy() = default;

  // ---- who ----
  virtual int num_replicas_in_sync() const { return 1; }
  virtual int replica_id() const { return 0; }
  // The replica that prints, writes files and is broadcast from (rank 0).
  bool is_chief() const { return replica_id() == 0; }

  // ---- parameter sync ----
  // Every replica takes the chief's values. First checks that all replicas hold the same list
  // (names, shapes, dtypes, order) and raises DistributedError naming the first difference.
  virtual void broadcast_variables(const std::vector<Variable>& variables) { (void)variables; }
  // The chief's `seed` on every replica (shuffles that must agree across replicas).
  virtual uint64_t shared_seed(uint64_t seed) { return seed; }

  // ---- gradients (called by GradientTape::gradient and Optimizer::apply_gradients) ----
  // A backward pass towards `sources` starts; the strategy may start reducing gradients of
  // trainable variables as they become ready.
  virtual void on_backward_begin(const std::vector<Tensor>& sources) { (void)sources; }
  // `source`'s gradient is final (empty when the target does not depend on it). Keyed by the
  // source, not its position: for a trainable variable, source.id() is the variable's id.
  virtual void on_gradient_ready(const Tensor& source, const std::optional<Tensor>& gradient) {
    (void)source, (void)gradient;
  }
  // The gradients to apply: each one averaged over the replicas (empty where no replica has one).
  // Waits for the reductions started during backward; reduces the rest (gradients the user
  // transformed after tape.gradient) now.
  virtual std::vector<std::optional<Tensor>> aggregate_gradients(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables) {
    (void)variables;
    return gradients;
  }

  // ---- gradient accumulation (an optimizer's gradient_accumulation_steps; docs/distributed.md)
  // ---- An optimizer with gradient_accumulation_steps = k registers each variable when it builds
  // it: accumulators[i] holds variables[i]'s local gradient sum since the last update, and the
  // optimizer's apply call number c (0-based: `iterations`' value before the call) updates when
  // (c + 1) % k == 0. The strategy reads `iterations` when a backward pass begins: a pass whose
  // trainable sources are all registered and mid-cycle is accumulation-only (a data-parallel
  // strategy communicates nothing for it); in a pass that ends their cycle, each registered
  // variable's accumulator + gradient is reduced as backward produces the gradient.
  virtual void register_gradient_accumulation(const std::vector<Variable>& variables,
                                              const std::vector<Variable>& accumulators,
                                              const Variable& iterations, int64_t steps) {
    (void)variables, (void)accumulators, (void)iterations, (void)steps;
  }
  // Forgets `variables`' registrations (their optimizer is gone).
  virtual void unregister_gradient_accumulation(const std::vector<Variable>& variables) {
    (void)variables;
  }
  // The update step of a cycle: for each variable the replicas' average of accumulators[i] +
  // gradients[i] (empty where no replica has a gradient). The accumulation-only steps call
  // nothing: their gradients stay on the replica.
  virtual std::vector<std::optional<Tensor>> aggregate_accumulated_gradients(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
      const std::vector<Variable>& accumulators);
  // Between updates each replica's accumulators hold its own partial sums. This makes the
  // registered accumulators among `variables` identical on every replica (their average, which
  // leaves the next update's averaged gradient unchanged; nothing changes when they already are),
  // so that the chief's copy can be saved. A collective: every replica calls it with the same
  // list. broadcast_variables does this for the accumulators it is given instead of copying the
  // chief's.
  virtual void sync_gradient_accumulators(const std::vector<Variable>& variables) {
    (void)variables;
  }

  // ---- reductions and agreement ----
  // The element-wise sums over replicas (the inputs are left unchanged). Every replica must pass
  // the same number of tensors with the same shapes and dtypes.
  virtual std::vector<Tensor> all_reduce_sum(const std::vector<Tensor>& values) { return values; }
  // The smallest `value` of any replica.
  virtual int64_t agree_min(int64_t value) { return value; }
  // The element-wise largest `values` of any replica (every replica passes as many).
  virtual std::vector<int64_t> agree_max(std::vector<int64_t> values) { return values; }
  // True on every replica when `flag` is true on any.
  bool agree_any(bool flag) { return agree_max({flag ? 1 : 0})[0] != 0; }
  // The replicas' tensors concatenated along the first axis in replica order (first dimensions
  // may differ; the other dimensions and the dtype must agree).
  virtual Tensor all_gather(const Tensor& value) { return value; }
  virtual void barrier() {}

  // ---- scope (tf.distribute's `with strategy.scope():`) ----
  class [[nodiscard]] Scope {
   public:
    explicit Scope(std::shared_ptr<Strategy> strategy);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::shared_ptr<Strategy> previous_;
  };
};

using StrategyPtr = std::shared_ptr<Strategy>;

// Makes `strategy` current until the returned scope ends (process-wide; scopes nest).
Strategy::Scope scope(StrategyPtr strategy);

// The strategy in scope, else the process default (created on first use: DataParallel under a
// launcher with more than one rank, the one-process default otherwise).
Strategy& get_strategy();
StrategyPtr get_strategy_ptr();
// True when the current strategy has more than one replica.
inline bool in_multi_replica() { return get_strategy().num_replicas_in_sync() > 1; }

}  // namespace tandem::distributed
