// GradientReducer: averages gradients over the ranks in buckets (DESIGN section 4). When a backward
// pass begins, the trainable-variable sources are planned into buckets in reverse order (the order
// backward produces their gradients), one dtype and device per bucket, the first one small. As the
// tape reports each gradient final, every bucket whose gradients are all in is packed into one
// flat tensor and its all-reduce (average) starts, so communication overlaps the rest of backward.
// Buckets start in plan order on every rank, which keeps the ranks' collectives in the same order.
// reduce() waits for them and hands back views of the averaged buckets.
//
// Gradient accumulation: variables registered by an accumulating optimizer are mid-cycle or at
// their cycle's end when a pass begins (read from the optimizer's iteration counter). A pass whose
// planned variables are all mid-cycle starts nothing (no communication at all); in any other pass
// a variable at its cycle's end is packed as accumulator + gradient, so that the cycle's one
// all-reduce still overlaps backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "comm/communicator.h"
#include "tandem/core/mutable_tensor.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem::distributed {

class GradientReducer {
 public:
  // `compression`: the wire type of float32 gradients (comm's iall_reduce_many; nullopt: the
  // communicator's default, TANDEM_FUSION_COMPRESSION).
  GradientReducer(comm::Communicator& comm, size_t first_bucket_bytes, size_t bucket_cap_bytes,
                  std::optional<comm::ScalarType> compression = std::nullopt);
  ~GradientReducer();

  // A backward pass towards `sources` begins. Returns true when the planned set of variables
  // (their number, order, shapes and dtypes) differs from the previous pass's (a new plan).
  bool begin(const std::vector<Tensor>& sources);
  // The planned sources' tensors (trainable-variable snapshots), in source order.
  const std::vector<Tensor>& planned() const { return planned_values_; }
  // "float32 [784, 256]\n..." (one line per variable) for the planned sources: what every rank must
  // agree on.
  std::string plan_signature() const;
  // The gradient of the variable with id `variable` is final; starts every bucket that is complete,
  // in plan order. Ids outside the plan (non-trainable sources) are ignored.
  void ready(uint64_t variable, const std::optional<Tensor>& gradient);
  // The average over the ranks of each gradient (empty where no rank has one): the reductions
  // started during backward where the gradient is the one the tape produced, a reduction now for
  // the others. Every rank must pass the same variables in the same order.
  std::vector<std::optional<Tensor>> reduce(const std::vector<std::optional<Tensor>>& gradients,
                                            const std::vector<Variable>& variables);
  // The same for an accumulation cycle's update: the average over the ranks of accumulators[i] +
  // gradients[i] (empty where no rank has a gradient).
  std::vector<std::optional<Tensor>> reduce_accumulated(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
      const std::vector<Variable>& accumulators);
  int buckets() const { return static_cast<int>(buckets_.size()); }
  // What the reductions cost so far: buckets started from the gradient-ready hook, and the time
  // spent waiting for their all-reduces after backward (the communication it did not hide).
  struct Stats {
    int64_t buckets_started = 0;
    double seconds_waited = 0;
  };
  const Stats& stats() const { return stats_; }
  // True when the current pass started no collective because all its variables are mid-cycle.
  bool accumulation_only() const { return accumulation_only_; }

  // Strategy::register_gradient_accumulation / unregister_gradient_accumulation.
  void register_accumulation(const std::vector<Variable>& variables,
                             const std::vector<Variable>& accumulators, const Variable& iterations,
                             int64_t steps);
  void unregister_accumulation(const std::vector<Variable>& variables);
  // True when `variable` is a registered accumulator.
  bool is_accumulator(const Variable& variable) const {
    return accumulator_ids_.count(variable.id()) > 0;
  }

 private:
  struct Entry {
    uint64_t variable = 0;  // the variable's id (its snapshots' tensor id)
    Shape shape;
    DType dtype = float32;
    Device device;
    size_t bucket = 0;
    std::optional<Tensor> gradient = std::nullopt;  // this step's local gradient
    uint64_t gradient_id = 0;                       // its tensor id, to recognise it in reduce()
    bool ready = false;
    std::optional<Tensor> reduced = std::nullopt;  // set once its bucket's all-reduce is unpacked
    std::optional<Variable> fold = std::nullopt;   // accumulator packed with the gradient, if any
  };
  struct Accumulation {
    Variable accumulator;
    Variable iterations;
    int64_t steps = 0;
  };
  struct Bucket {
    std::vector<size_t> entries;  // indices into entries_
    int64_t elements = 0;
    size_t ready = 0;
    std::optional<MutableTensor> flat;  // packed gradients, then presence flags; reduced in place
    std::unique_ptr<comm::Work> work;
  };

  void plan(const std::vector<Tensor>& sources);
  void launch(size_t bucket);
  void finish(size_t bucket);
  void drop_pending();
  // Decides, for a pass that begins, which entries fold their accumulator; false when every
  // planned variable is mid-cycle (the pass communicates nothing).
  bool decide_accumulation();
  std::vector<std::optional<Tensor>> reduce_impl(
      const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
      const std::vector<Variable>* accumulators);

  comm::Communicator& comm_;
  size_t first_bucket_bytes_;
  size_t bucket_cap_bytes_;
  std::optional<comm::ScalarType> compression_;
  std::vector<uint64_t> plan_key_;  // variable ids of the planned sources, in source order
  std::vector<Tensor> planned_values_;
  std::vector<Entry> entries_;
  std::unordered_map<uint64_t, size_t> entry_of_variable_;
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  Stats stats_;
  bool active_ = false;  // a backward pass's buckets may be in flight
  bool accumulation_only_ = false;
  std::unordered_map<uint64_t, Accumulation> accumulation_;  // by variable id
  std::unordered_map<uint64_t, size_t> accumulator_ids_;     // accumulator id -> registrations
};

// Averages `gradients` (aligned with `variables`, empty where absent) over the ranks now, one
// all-reduce per dtype and device; the entries with no gradient on any rank come back empty. With
// `accumulators` (aligned too), averages accumulators[i] + gradients[i] instead.
std::vector<std::optional<Tensor>> all_reduce_gradients(
    comm::Communicator& comm, const std::vector<std::optional<Tensor>>& gradients,
    const std::vector<Variable>& variables, const std::string& name,
    const std::vector<Variable>* accumulators = nullptr,
    std::optional<comm::ScalarType> compression = std::nullopt);

}  // namespace tandem::distributed
