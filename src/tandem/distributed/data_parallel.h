// DataParallel: the parameter-sync layer (DESIGN section 4). Every rank holds a replica of the
// model; this strategy keeps them identical: it broadcasts the chief's variables at training
// start, averages gradients over the ranks with bucketed all-reduces started from the tape's
// gradient-ready hook (communication overlaps the rest of backward), sums metric state, and agrees
// on step counts and on stopping. See strategy.h for when each call happens.
#pragma once

#include <cstddef>
#include <memory>

#include "comm/communicator.h"
#include "tandem/distributed/gradient_reducer.h"
#include "tandem/distributed/strategy.h"

namespace tandem::distributed {

struct DataParallelOptions {
  // Gradient buckets (PyTorch DDP's defaults): the first bucket is small so that its all-reduce
  // starts early in backward; the others fill up to the cap.
  size_t bucket_cap_bytes = size_t{25} << 20;
  size_t first_bucket_bytes = size_t{1} << 20;
  // Every this many optimizer steps, check that the replicas' variables are still bit-identical
  // (DistributedError naming the ranks that differ). 0: only at the first step of a variable set.
  int64_t replica_check_every = 0;
  // The wire type of float32 gradients: kFloat16 or kBFloat16 halve the bytes all-reduced, at
  // 16-bit precision (Horovod's Compression.fp16, DDP's fp16 hook); kFloat32 sends them exact.
  // nullopt: TANDEM_FUSION_COMPRESSION (float16|bfloat16|none), else exact. Metric state and
  // every other sum stay exact whatever this says.
  std::optional<comm::ScalarType> compression = std::nullopt;
};

class DataParallel : public Strategy {
 public:
  // Over `communicator` (the process's communicator from comm::make_communicator(), or a test's
  // wrapper around it).
  explicit DataParallel(std::shared_ptr<comm::Communicator> communicator,
                        DataParallelOptions options = {});

  int num_replicas_in_sync() const override { return comm_->size(); }
  int replica_id() const override { return comm_->rank(); }
  comm::Communicator& communicator() { return *comm_; }
  const DataParallelOptions& options() const { return options_; }
  // The gradient buckets started during backward and the time spent waiting for them afterwards.
  const GradientReducer::Stats& gradient_stats() const { return reducer_.stats(); }

  void broadcast_variables(const std::vector<Variable>& variables) override;
  uint64_t shared_seed(uint64_t seed) override;

  void on_backward_begin(const std::vector<Tensor>& sources) override;
  void on_gradient_ready(const Tensor& source, const std::optional<Tensor>& gradient) override;
  std::vector<std::optional<Tensor>> aggregate_gradients(
      const std::vector<std::optional<Tensor>>& gradients,
      const std::vector<Variable>& variables) override;

  void register_gradient_accumulation(const std::vector<Variable>& variables,
                                      const std::vector<Variable>& accumulators,
                                      const Variable& iterations, int64_t steps) override;
  void unregister_gradient_accumulation(const std::vector<Variable>& variables) override;
  std::vector<std::optional<Tensor>> aggregate_accumulated_gradients(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
      const std::vector<Variable>& accumulators) override;
  void sync_gradient_accumulators(const std::vector<Variable>& variables) override;

  std::vector<Tensor> all_reduce_sum(const std::vector<Tensor>& values) override;
  int64_t agree_min(int64_t value) override;
  std::vector<int64_t> agree_max(std::vector<int64_t> values) override;
  Tensor all_gather(const Tensor& value) override;
  void barrier() override;

  // Raises DistributedError unless every replica holds bit-identical `variables`, naming the
  // ranks that differ from the chief (the periodic replica check; callable any time).
  void check_replicas_identical(const std::vector<Variable>& variables);

 private:
  // Raises DistributedError unless every rank passes the same `description`, naming the first
  // difference and the ranks. `what` says what was compared ("the variables").
  void check_same_everywhere(const std::string& description, const std::string& what);
  // Raises DistributedError unless `values` are bit-identical on every rank, naming the ranks
  // that differ and, by `names`, the first variable that does.
  void check_identical(const std::vector<Tensor>& values, const std::vector<std::string>& names,
                       const std::string& when);
  // True on every rank when every rank's `values` are bit-identical (one all_gather).
  bool identical_everywhere(const std::vector<Tensor>& values);
  // Counts an applied step and runs the periodic replica check.
  void count_step(const std::vector<Variable>& variables);

  std::shared_ptr<comm::Communicator> comm_;
  DataParallelOptions options_;
  GradientReducer reducer_;
  int64_t steps_ = 0;  // aggregate_gradients calls
};

}  // namespace tandem::distributed
