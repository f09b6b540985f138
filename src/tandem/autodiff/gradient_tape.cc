#include "tandem/autodiff/gradient_tape.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "tandem/distributed/strategy.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

struct GradientTape::Node {
  const char* op;
  std::vector<uint64_t> inputs;
  std::vector<uint64_t> outputs;
  // Enough to build zeros for an output that gets no gradient, without keeping the output alive.
  struct OutputMeta {
    Shape shape;
    DType dtype;
    Device device;
  };
  std::vector<OutputMeta> output_meta;
  autodiff::BackwardFn backward;
};

namespace {

thread_local std::vector<GradientTape*> tape_stack;
// Which inputs of the node whose closure runs now need a gradient (input_gradient_needed); null
// outside a backward pass.
thread_local const std::vector<bool>* needed_inputs = nullptr;

// Sets needed_inputs for one closure and restores the outer value (a closure may run another
// tape's backward pass), also when the closure throws.
class NeededInputs {
 public:
  explicit NeededInputs(const std::vector<bool>* needed)
      : outer_(std::exchange(needed_inputs, needed)) {}
  ~NeededInputs() { needed_inputs = outer_; }
  NeededInputs(const NeededInputs&) = delete;
  NeededInputs& operator=(const NeededInputs&) = delete;

 private:
  const std::vector<bool>* outer_;
};

// The seed that selects element i of an n-element target, shaped like the target.
Tensor unit_seed(const Tensor& target, int64_t i) {
  std::vector<double> v(static_cast<size_t>(target.num_elements()), 0.0);
  v[static_cast<size_t>(i)] = 1.0;
  return cast(Tensor::from_vector(v, target.shape(), target.device()), target.dtype());
}

}  // namespace

struct TapeAccess {
  static bool watches_any(GradientTape& tape, autodiff::TensorList inputs) {
    if (!tape.recording_) return false;
    for (const Tensor& t : inputs) {
      if (!t.defined()) continue;
      const auto& impl = t.impl();
      if (tape.watched_.count(impl.id)) return true;
      if (impl.trainable_variable && tape.watch_accessed_variables_) return true;
    }
    return false;
  }

  static void record(GradientTape& tape, const char* op, autodiff::TensorList inputs,
                     autodiff::TensorList outputs, autodiff::BackwardFn backward) {
    auto node = std::make_shared<GradientTape::Node>();
    node->op = op;
    node->inputs.reserve(inputs.size());
    for (const Tensor& t : inputs) {
      if (!t.defined()) {
        node->inputs.push_back(0);
        continue;
      }
      const auto& impl = t.impl();
      if (impl.trainable_variable && tape.watch_accessed_variables_) tape.watched_.insert(impl.id);
      node->inputs.push_back(impl.id);
    }
    node->outputs.reserve(outputs.size());
    for (const Tensor& t : outputs) {
      node->outputs.push_back(t.id());
      node->output_meta.push_back({t.shape(), t.dtype(), t.device()});
      tape.watched_.insert(t.id());
    }
    node->backward = std::move(backward);
    tape.nodes_.push_back(std::move(node));
  }

  static bool& recording(GradientTape& tape) { return tape.recording_; }
};

namespace autodiff {

bool should_record(TensorList inputs) {
  if (tape_stack.empty()) return false;
  for (GradientTape* tape : tape_stack)
    if (TapeAccess::watches_any(*tape, inputs)) return true;
  return false;
}

void record_operation(const char* op, TensorList inputs, TensorList outputs, BackwardFn backward) {
  // Every tape but the last that records gets a copy of the closure; the last one takes it.
  GradientTape* last = nullptr;
  for (GradientTape* tape : tape_stack) {
    if (!TapeAccess::watches_any(*tape, inputs)) continue;
    if (last) TapeAccess::record(*last, op, inputs, outputs, backward);
    last = tape;
  }
  if (last) TapeAccess::record(*last, op, inputs, outputs, std::move(backward));
}

bool input_gradient_needed(size_t index) {
  return needed_inputs == nullptr || index >= needed_inputs->size() || (*needed_inputs)[index];
}

PauseAllTapes::PauseAllTapes() {
  for (GradientTape* tape : tape_stack) {
    saved_.emplace_back(tape, TapeAccess::recording(*tape));
    TapeAccess::recording(*tape) = false;
  }
}

PauseAllTapes::~PauseAllTapes() {
  for (auto& [tape, was] : saved_) TapeAccess::recording(*tape) = was;
}

}  // namespace autodiff

GradientTape::GradientTape(bool persistent, bool watch_accessed_variables)
    : persistent_(persistent), watch_accessed_variables_(watch_accessed_variables) {
  tape_stack.push_back(this);
}

GradientTape::~GradientTape() {
  auto it = std::find(tape_stack.begin(), tape_stack.end(), this);
  if (it != tape_stack.end()) tape_stack.erase(it);
}

void GradientTape::watch(const Tensor& t) { watched_.insert(t.id()); }

void GradientTape::watch(const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts) watch(t);
}

void GradientTape::reset() {
  nodes_.clear();
  watched_.clear();
  used_ = false;
}

GradientTape::StopRecording::StopRecording(GradientTape& tape)
    : tape_(tape), was_recording_(tape.recording_) {
  tape_.recording_ = false;
}

GradientTape::StopRecording::~StopRecording() { tape_.recording_ = was_recording_; }

std::vector<std::optional<Tensor>> GradientTape::gradient(const Tensor& target,
                                                          const std::vector<Tensor>& sources,
                                                          const GradientOptions& options) {
  TANDEM_CHECK(persistent_ || !used_, ValueError,
               "GradientTape.gradient can only be called once on a non-persistent tape; create "
               "the tape with persistent = true to call it several times");
  used_ = true;
  // The strategy hears of every gradient as soon as it is final, so a data-parallel one can start
  // all-reducing while backward goes on (DESIGN section 4); the user's hook comes after it.
  distributed::Strategy& strategy = distributed::get_strategy();
  strategy.on_backward_begin(sources);
  GradientOptions with_strategy = options;
  with_strategy.on_gradient_ready = [&](const Tensor& source, const std::optional<Tensor>& grad) {
    strategy.on_gradient_ready(source, grad);
    if (options.on_gradient_ready) options.on_gradient_ready(source, grad);
  };
  auto result = backward(target, sources, with_strategy, /*release=*/!persistent_);
  if (!persistent_) nodes_.clear();
  return result;
}

std::vector<std::optional<Tensor>> GradientTape::gradient(const Tensor& target,
                                                          const std::vector<Variable>& sources,
                                                          const GradientOptions& options) {
  std::vector<Tensor> values;
  values.reserve(sources.size());
  for (const Variable& v : sources) values.push_back(v.value());
  return gradient(target, values, options);
}

std::optional<Tensor> GradientTape::gradient(const Tensor& target, const Tensor& source) {
  return gradient(target, std::vector<Tensor>{source})[0];
}

namespace {

// What one backward walk needs to know about the recorded nodes before it starts.
struct BackwardPlan {
  std::vector<bool> useful;                // the node reads something reachable from a source
  std::unordered_set<uint64_t> reachable;  // ids reachable forward from the sources
  // id -> useful nodes that read its gradient (the nodes that produced it) and have not run yet.
  std::unordered_map<uint64_t, size_t> pending_readers;
  // node -> the sources (first position of each distinct id) whose gradient is final once it ran.
  std::vector<std::vector<size_t>> fire_after;
  std::vector<size_t> fire_at_end;  // sources no useful node reads
};

BackwardPlan plan_backward(const std::vector<std::shared_ptr<GradientTape::Node>>& nodes,
                           const std::unordered_set<uint64_t>& watched,
                           const std::vector<Tensor>& sources) {
  BackwardPlan p;
  // 1. Only nodes reading something reachable from a source need a backward step. A source the
  // tape never watched (a non-trainable variable, an unwatched tensor) is unconnected.
  for (const Tensor& s : sources)
    if (watched.count(s.id())) p.reachable.insert(s.id());
  p.useful.assign(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (uint64_t in : nodes[i]->inputs) {
      if (in && p.reachable.count(in)) {
        p.useful[i] = true;
        break;
      }
    }
    if (!p.useful[i]) continue;
    for (uint64_t out : nodes[i]->outputs) {
      p.reachable.insert(out);
      ++p.pending_readers[out];
    }
  }
  // 2. A source's gradient is final once the earliest useful node that reads it has run backward.
  // Indexed once per node, so firing costs O(sources) in all rather than a scan per node.
  std::unordered_map<uint64_t, size_t> position;  // source id -> its first position
  for (size_t k = 0; k < sources.size(); ++k) position.emplace(sources[k].id(), k);
  std::unordered_map<uint64_t, size_t> first_reader;
  for (size_t i = nodes.size(); i-- > 0;) {
    if (!p.useful[i]) continue;
    for (uint64_t in : nodes[i]->inputs)
      if (position.count(in)) first_reader[in] = i;
  }
  p.fire_after.resize(nodes.size());
  for (size_t k = 0; k < sources.size(); ++k) {
    if (position.at(sources[k].id()) != k) continue;  // a repeated source fires once
    auto it = first_reader.find(sources[k].id());
    if (it != first_reader.end())
      p.fire_after[it->second].push_back(k);
    else
      p.fire_at_end.push_back(k);
  }
  return p;
}

// Runs one node's gradient closure: reads its outputs' gradients (zeros for outputs the target does
// not reach) and adds what it returns to its reachable inputs' gradients.
void run_node(const GradientTape::Node& node, const BackwardPlan& plan,
              std::unordered_map<uint64_t, Tensor>& grads) {
  bool any = false;
  std::vector<Tensor> out_grads;
  out_grads.reserve(node.outputs.size());
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    auto it = grads.find(node.outputs[o]);
    if (it != grads.end()) {
      out_grads.push_back(it->second);
      any = true;
    } else {
      const auto& m = node.output_meta[o];
      out_grads.push_back(zeros(m.shape, m.dtype, m.device));
    }
  }
  if (!any) return;
  TANDEM_CHECK(node.backward != nullptr, ValueError, "gradient of ", node.op,
               ": the tape has already released this operation's saved tensors");
  std::vector<bool> needed(node.inputs.size());
  for (size_t j = 0; j < node.inputs.size(); ++j)
    needed[j] = node.inputs[j] != 0 && plan.reachable.count(node.inputs[j]) > 0;
  autodiff::GradList in_grads;
  {
    NeededInputs scope(&needed);
    in_grads = node.backward(out_grads);
  }
  TANDEM_CHECK(in_grads.size() == node.inputs.size(), ValueError, "gradient of ", node.op,
               " returned ", in_grads.size(), " gradients for ", node.inputs.size(), " inputs");
  for (size_t j = 0; j < node.inputs.size(); ++j) {
    uint64_t id = node.inputs[j];
    if (!id || !in_grads[j] || !plan.reachable.count(id)) continue;
    auto it = grads.find(id);
    if (it == grads.end()) {
      grads.emplace(id, std::move(*in_grads[j]));
    } else {
      it->second = add(it->second, *in_grads[j]);
    }
  }
}

}  // namespace

std::vector<std::optional<Tensor>> GradientTape::backward(const Tensor& target,
                                                          const std::vector<Tensor>& sources,
                                                          const GradientOptions& options,
                                                          bool release) {
  TANDEM_CHECK(target.defined(), ValueError, "GradientTape.gradient: the target is undefined");
  // The tape's own backward pass is not recorded on itself; outer tapes still record it, which is
  // what makes nested tapes give second derivatives.
  StopRecording pause(*this);

  BackwardPlan plan = plan_backward(nodes_, watched_, sources);
  std::unordered_set<uint64_t> source_ids;
  for (const Tensor& s : sources) source_ids.insert(s.id());
  if (release) {
    // Nodes the target cannot reach from a source never run: their saved tensors can go now.
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (!plan.useful[i]) nodes_[i]->backward = nullptr;
  }

  std::unordered_map<uint64_t, Tensor> grads;
  Tensor seed = options.output_gradients ? *options.output_gradients : ones_like(target);
  TANDEM_CHECK(seed.shape() == target.shape(), ShapeError,
               "GradientTape.gradient: output_gradients must have the target's shape ",
               target.shape().to_string(), ", received ", seed.shape().to_string());
  grads[target.id()] = seed;

  auto result_for = [&](size_t k) -> std::optional<Tensor> {
    auto it = grads.find(sources[k].id());
    if (it != grads.end() && plan.reachable.count(sources[k].id())) return it->second;
    if (options.unconnected_gradients_zero) return zeros_like(sources[k]);
    return std::nullopt;
  };
  auto fire = [&](size_t k) {
    if (options.on_gradient_ready) options.on_gradient_ready(sources[k], result_for(k));
  };

  for (size_t i = nodes_.size(); i-- > 0;) {
    Node& node = *nodes_[i];
    if (plan.useful[i]) {
      run_node(node, plan, grads);
      // The node has read its outputs' gradients: unless a source's (returned at the end), a
      // gradient no other node reads is dead now.
      for (uint64_t out : node.outputs) {
        auto it = plan.pending_readers.find(out);
        if (it != plan.pending_readers.end() && --it->second == 0 && !source_ids.count(out))
          grads.erase(out);
      }
      if (release) node.backward = nullptr;  // frees the forward tensors it saved
    }
    for (size_t k : plan.fire_after[i]) fire(k);
  }

  for (size_t k : plan.fire_at_end) fire(k);  // the target itself, or unconnected sources
  std::vector<std::optional<Tensor>> result(sources.size());
  for (size_t k = 0; k < sources.size(); ++k) result[k] = result_for(k);
  return result;
}

Tensor GradientTape::jacobian(const Tensor& target, const Tensor& source) {
  TANDEM_CHECK(persistent_ || !used_, ValueError,
               "GradientTape.jacobian can only be called once on a non-persistent tape");
  used_ = true;
  int64_t n = target.num_elements();
  std::vector<Tensor> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    GradientOptions opts;
    opts.output_gradients = unit_seed(target, i);
    opts.unconnected_gradients_zero = true;
    // Every row walks the same nodes, so none is released before the last row.
    rows.push_back(*backward(target, {source}, opts, /*release=*/false)[0]);
  }
  if (!persistent_) nodes_.clear();
  std::vector<int64_t> dims = target.shape().as_list();
  for (int64_t d : source.shape().dims()) dims.push_back(d);
  if (rows.empty()) return zeros(Shape(dims), source.dtype());
  return reshape(stack(rows), Shape(dims));
}

Tensor stop_gradient(const Tensor& x) {
  // A fresh id on the same storage: no tape has seen it, so nothing flows back through it.
  return Tensor::from_storage(x.storage(), x.storage_offset(), x.shape(), x.dtype());
}

std::function<Tensor(const std::vector<Tensor>&)> custom_gradient(
    std::function<CustomGradientResult(const std::vector<Tensor>&)> f) {
  return [f](const std::vector<Tensor>& inputs) -> Tensor {
    CustomGradientResult r;
    {
      autodiff::PauseAllTapes pause;
      r = f(inputs);
    }
    // The output needs its own identity even when f returned an input unchanged.
    Tensor out = stop_gradient(r.output);
    if (autodiff::should_record(inputs)) {
      auto grad_fn = r.grad_fn;
      size_t n = inputs.size();
      autodiff::record_operation(
          "CustomGradient", inputs, {out}, [grad_fn, n](const std::vector<Tensor>& g) {
            std::vector<Tensor> gs = grad_fn(g[0]);
            TANDEM_CHECK(gs.size() == n, ValueError, "custom_gradient: grad_fn returned ",
                         gs.size(), " gradients for ", n, " inputs");
            return autodiff::GradList(gs.begin(), gs.end());
          });
    }
    return out;
  };
}

}  // namespace tandem
