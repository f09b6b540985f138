#include "tandem/distributed/gradient_reducer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <tuple>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/core/error.h"
#include "tandem/distributed/comm_buffer.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem::distributed {

namespace {

// One gradient slot of a packed buffer.
struct Slot {
  const std::optional<Tensor>* gradient;
  const Shape* shape;
  const Variable* accumulator = nullptr;  // added to the gradient (accumulation's update)
};

// The slots' gradients flattened one after the other (zeros where absent), then one presence flag
// per slot (1 where present). Averaged over the ranks, a flag above 0 says some rank had one.
MutableTensor pack(const std::vector<Slot>& slots, DType dtype, Device device) {
  autodiff::PauseAllTapes no_recording;  // packing is communication, not computation
  std::vector<Tensor> parts;
  parts.reserve(slots.size() + 1);
  std::vector<double> presence;
  presence.reserve(slots.size());
  for (const Slot& s : slots) {
    const bool present = s.gradient->has_value() && (*s.gradient)->defined();
    Tensor part = present ? reshape(**s.gradient, Shape{-1})
                          : zeros(Shape{s.shape->num_elements()}, dtype, device);
    if (s.accumulator) part = part + reshape(s.accumulator->value(), Shape{-1});
    parts.push_back(part);
    presence.push_back(present ? 1.0 : 0.0);
  }
  parts.push_back(
      cast(Tensor::from_vector(presence, Shape{int64_t(presence.size())}, device), dtype));
  // concat always makes a fresh tensor, which the all-reduce then writes into.
  return MutableTensor::take_unshared(concat(parts, 0));
}

// Views of the averaged gradients in a reduced packed buffer; empty where no rank had one.
std::vector<std::optional<Tensor>> unpack(const Tensor& flat, const std::vector<Slot>& slots) {
  autodiff::PauseAllTapes no_recording;
  const int64_t flags_at = flat.num_elements() - int64_t(slots.size());
  std::vector<double> presence = flat[{Slice(flags_at, flat.num_elements())}].to_vector<double>();
  std::vector<std::optional<Tensor>> out(slots.size());
  int64_t offset = 0;
  for (size_t i = 0; i < slots.size(); ++i) {
    const int64_t n = slots[i].shape->num_elements();
    if (presence[i] > 0) out[i] = reshape(flat[{Slice(offset, offset + n)}], *slots[i].shape);
    offset += n;
  }
  return out;
}

}  // namespace

GradientReducer::GradientReducer(comm::Communicator& comm, size_t first_bucket_bytes,
                                 size_t bucket_cap_bytes,
                                 std::optional<comm::ScalarType> compression)
    : comm_(comm),
      first_bucket_bytes_(first_bucket_bytes),
      bucket_cap_bytes_(bucket_cap_bytes),
      compression_(compression) {}

GradientReducer::~GradientReducer() {
  // Buffers must outlive their collectives; errors were already reported by the pass that used
  // them, and a destructor must not throw.
  for (Bucket& b : buckets_) {
    if (!b.work) continue;
    try {
      b.work->wait();
    } catch (...) {
    }
  }
}

bool GradientReducer::begin(const std::vector<Tensor>& sources) {
  drop_pending();
  std::vector<uint64_t> key;
  key.reserve(sources.size());
  for (const Tensor& s : sources)
    key.push_back(s.defined() && s.impl().trainable_variable ? s.id() : 0);
  const bool same = key == plan_key_;
  if (same) {
    // Same variables: the snapshots may be newer values, and shapes cannot change.
    for (size_t k = 0; k < sources.size(); ++k)
      if (plan_key_[k]) planned_values_[entry_of_variable_.at(plan_key_[k])] = sources[k];
  } else {
    plan_key_ = std::move(key);
    plan(sources);
  }
  active_ = decide_accumulation();
  accumulation_only_ = !active_;
  return !same;
}

bool GradientReducer::decide_accumulation() {
  for (Entry& e : entries_) e.fold.reset();
  if (accumulation_.empty() || entries_.empty()) return true;
  std::unordered_map<uint64_t, bool> update_of;  // iterations variable id -> pass ends the cycle
  bool all_mid_cycle = true;
  for (Entry& e : entries_) {
    auto it = accumulation_.find(e.variable);
    if (it == accumulation_.end()) {
      all_mid_cycle = false;
      continue;
    }
    const Accumulation& a = it->second;
    auto [at, fresh] = update_of.emplace(a.iterations.id(), false);
    if (fresh) at->second = (a.iterations.value().item<int64_t>() + 1) % a.steps == 0;
    if (at->second) {
      e.fold = a.accumulator;
      all_mid_cycle = false;
    }
  }
  return !all_mid_cycle;
}

void GradientReducer::register_accumulation(const std::vector<Variable>& variables,
                                            const std::vector<Variable>& accumulators,
                                            const Variable& iterations, int64_t steps) {
  TANDEM_CHECK(variables.size() == accumulators.size() && steps >= 1, ValueError,
               "register_gradient_accumulation: received ", variables.size(), " variables, ",
               accumulators.size(), " accumulators and steps = ", steps);
  unregister_accumulation(variables);
  for (size_t i = 0; i < variables.size(); ++i) {
    accumulation_.insert_or_assign(
        variables[i].id(),
        Accumulation{.accumulator = accumulators[i], .iterations = iterations, .steps = steps});
    ++accumulator_ids_[accumulators[i].id()];
  }
}

void GradientReducer::unregister_accumulation(const std::vector<Variable>& variables) {
  for (const Variable& v : variables) {
    auto it = accumulation_.find(v.id());
    if (it == accumulation_.end()) continue;
    auto at = accumulator_ids_.find(it->second.accumulator.id());
    if (at != accumulator_ids_.end() && --at->second == 0) accumulator_ids_.erase(at);
    accumulation_.erase(it);
  }
}

// Reverse source order (backward produces the last layer's gradients first); a bucket closes when
// the next gradient would take it past its cap (the first bucket's cap is small).
void GradientReducer::plan(const std::vector<Tensor>& sources) {
  entries_.clear();
  buckets_.clear();
  planned_values_.clear();
  entry_of_variable_.clear();
  for (size_t k = 0; k < sources.size(); ++k) {
    if (!plan_key_[k] || entry_of_variable_.count(plan_key_[k])) continue;
    entry_of_variable_[plan_key_[k]] = entries_.size();
    entries_.push_back({.variable = plan_key_[k],
                        .shape = sources[k].shape(),
                        .dtype = sources[k].dtype(),
                        .device = sources[k].device()});
    planned_values_.push_back(sources[k]);
  }
  std::map<std::tuple<int, int, int>, size_t> open;  // (dtype, device type, index) -> bucket
  for (size_t e = entries_.size(); e-- > 0;) {
    Entry& entry = entries_[e];
    auto group =
        std::make_tuple(int(entry.dtype), entry.device.is_cuda() ? 1 : 0, entry.device.index());
    const int64_t bytes = entry.shape.num_elements() * int64_t(dtype_size(entry.dtype));
    auto it = open.find(group);
    if (it != open.end()) {
      Bucket& b = buckets_[it->second];
      const size_t cap = it->second == 0 ? first_bucket_bytes_ : bucket_cap_bytes_;
      const int64_t held = b.elements * int64_t(dtype_size(entry.dtype));
      if (held + bytes > int64_t(cap)) open.erase(it), it = open.end();
    }
    if (it == open.end()) {
      it = open.emplace(group, buckets_.size()).first;
      buckets_.emplace_back();
    }
    entry.bucket = it->second;
    buckets_[it->second].entries.push_back(e);
    buckets_[it->second].elements += entry.shape.num_elements();
  }
}

std::string GradientReducer::plan_signature() const {
  std::string out;
  for (const Entry& e : entries_)
    out += std::string(dtype_name(e.dtype)) + " " + e.shape.to_list_string() + "\n";
  return out;
}

void GradientReducer::ready(uint64_t variable, const std::optional<Tensor>& gradient) {
  if (!active_) return;
  auto it = entry_of_variable_.find(variable);
  if (it == entry_of_variable_.end()) return;
  Entry& e = entries_[it->second];
  if (e.ready) return;
  e.ready = true;
  e.gradient = gradient;
  e.gradient_id = gradient && gradient->defined() ? gradient->id() : 0;
  ++buckets_[e.bucket].ready;
  while (next_launch_ < buckets_.size() &&
         buckets_[next_launch_].ready == buckets_[next_launch_].entries.size())
    launch(next_launch_++);
}

void GradientReducer::launch(size_t bucket) {
  Bucket& b = buckets_[bucket];
  std::vector<Slot> slots;
  for (size_t e : b.entries) {
    const Entry& entry = entries_[e];
    slots.push_back({&entry.gradient, &entry.shape, entry.fold ? &*entry.fold : nullptr});
  }
  const Entry& first = entries_[b.entries.front()];
  b.flat = pack(slots, first.dtype, first.device);
  for (size_t e : b.entries) entries_[e].gradient.reset();  // the packed copy is what counts now
  b.work = comm_.iall_reduce_many({buffer_of(*b.flat)}, comm::ReduceOp::kAvg,
                                  "gradients/bucket" + std::to_string(bucket), compression_);
  ++stats_.buckets_started;
}

void GradientReducer::finish(size_t bucket) {
  Bucket& b = buckets_[bucket];
  if (!b.work) return;
  std::unique_ptr<comm::Work> work = std::move(b.work);
  const auto start = std::chrono::steady_clock::now();
  work->wait();
  stats_.seconds_waited +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::optional<Tensor>> none(b.entries.size());
  std::vector<Slot> slots;
  for (size_t i = 0; i < b.entries.size(); ++i)
    slots.push_back({&none[i], &entries_[b.entries[i]].shape});
  std::vector<std::optional<Tensor>> reduced = unpack(std::move(*b.flat).freeze(), slots);
  for (size_t i = 0; i < b.entries.size(); ++i) entries_[b.entries[i]].reduced = reduced[i];
  b.flat.reset();
}

// Waits for a pass's collectives that nobody collected (gradients never applied) and forgets it.
void GradientReducer::drop_pending() {
  for (size_t b = 0; b < next_launch_; ++b) finish(b);
  for (Entry& e : entries_) {
    e.gradient.reset();
    e.gradient_id = 0;
    e.ready = false;
    e.reduced.reset();
  }
  for (Bucket& b : buckets_) b.ready = 0;
  next_launch_ = 0;
  active_ = false;
  accumulation_only_ = false;
}

std::vector<std::optional<Tensor>> GradientReducer::reduce(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables) {
  return reduce_impl(gradients, variables, nullptr);
}

std::vector<std::optional<Tensor>> GradientReducer::reduce_accumulated(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
    const std::vector<Variable>& accumulators) {
  TANDEM_CHECK(accumulators.size() == variables.size(), ValueError, "reduce_accumulated: received ",
               accumulators.size(), " accumulators for ", variables.size(), " variables");
  return reduce_impl(gradients, variables, &accumulators);
}

std::vector<std::optional<Tensor>> GradientReducer::reduce_impl(
    const std::vector<std::optional<Tensor>>& gradients, const std::vector<Variable>& variables,
    const std::vector<Variable>* accumulators) {
  std::vector<std::optional<Tensor>> out(gradients.size());
  std::vector<bool> done(gradients.size(), false);
  if (active_) {
    // Every source fired before tape.gradient returned, so every bucket has started.
    for (size_t b = 0; b < next_launch_; ++b) finish(b);
    for (size_t i = 0; i < gradients.size(); ++i) {
      auto it = entry_of_variable_.find(variables[i].id());
      if (it == entry_of_variable_.end()) continue;
      const Entry& e = entries_[it->second];
      const uint64_t id = gradients[i] && gradients[i]->defined() ? gradients[i]->id() : 0;
      if (!e.ready || e.gradient_id != id || next_launch_ <= e.bucket) continue;
      // The bucket must hold what is asked for: the gradient alone, or with this accumulator.
      const uint64_t folded = e.fold ? e.fold->id() : 0;
      if (folded != (accumulators ? (*accumulators)[i].id() : 0)) continue;
      out[i] = e.reduced;
      done[i] = true;
    }
    drop_pending();
  }
  // The rest (gradients transformed after tape.gradient, or computed without a tape pass).
  std::vector<std::optional<Tensor>> rest_gradients;
  std::vector<Variable> rest_variables, rest_accumulators;
  std::vector<size_t> rest_index;
  for (size_t i = 0; i < gradients.size(); ++i) {
    if (done[i]) continue;
    rest_gradients.push_back(gradients[i]);
    rest_variables.push_back(variables[i]);
    if (accumulators) rest_accumulators.push_back((*accumulators)[i]);
    rest_index.push_back(i);
  }
  if (!rest_index.empty()) {
    auto reduced = all_reduce_gradients(comm_, rest_gradients, rest_variables, "gradients/rest",
                                        accumulators ? &rest_accumulators : nullptr, compression_);
    for (size_t j = 0; j < rest_index.size(); ++j) out[rest_index[j]] = reduced[j];
  }
  return out;
}

std::vector<std::optional<Tensor>> all_reduce_gradients(
    comm::Communicator& comm, const std::vector<std::optional<Tensor>>& gradients,
    const std::vector<Variable>& variables, const std::string& name,
    const std::vector<Variable>* accumulators, std::optional<comm::ScalarType> compression) {
  // One group per (dtype, device), in first-appearance order (the same on every rank).
  std::vector<std::vector<size_t>> groups;
  std::vector<std::pair<DType, Device>> keys;
  std::vector<Shape> shapes;
  shapes.reserve(variables.size());
  for (size_t i = 0; i < variables.size(); ++i) {
    shapes.push_back(variables[i].shape());
    auto key = std::make_pair(variables[i].dtype(), variables[i].device());
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      groups.emplace_back();
      it = keys.end() - 1;
    }
    groups[size_t(it - keys.begin())].push_back(i);
  }
  std::vector<std::optional<Tensor>> out(gradients.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    std::vector<Slot> slots;
    for (size_t i : groups[g])
      slots.push_back({&gradients[i], &shapes[i], accumulators ? &(*accumulators)[i] : nullptr});
    MutableTensor flat = pack(slots, keys[g].first, keys[g].second);
    comm.all_reduce_many({buffer_of(flat)}, comm::ReduceOp::kAvg, name + std::to_string(g),
                         compression);
    std::vector<std::optional<Tensor>> reduced = unpack(std::move(flat).freeze(), slots);
    for (size_t j = 0; j < groups[g].size(); ++j) out[groups[g][j]] = reduced[j];
  }
  return out;
}

}  // namespace tandem::distributed
