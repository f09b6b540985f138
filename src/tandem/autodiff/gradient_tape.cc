#include "tandem/autodiff/gradient_tape.h"

#include <algorithm>
#include <unordered_map>

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

// The seed that selects element i of an n-element target, shaped like the target.
Tensor unit_seed(const Tensor& target, int64_t i) {
  std::vector<double> v(static_cast<size_t>(target.num_elements()), 0.0);
  v[static_cast<size_t>(i)] = 1.0;
  return cast(Tensor::from_vector(v, target.shape(), target.device()), target.dtype());
}

}  // namespace

struct TapeAccess {
  static bool watches_any(GradientTape& tape, const std::vector<Tensor>& inputs) {
    if (!tape.recording_) return false;
    for (const Tensor& t : inputs) {
      if (!t.defined()) continue;
      const auto& impl = t.impl();
      if (tape.watched_.count(impl.id)) return true;
      if (impl.trainable_variable && tape.watch_accessed_variables_) return true;
    }
    return false;
  }

  static void record(GradientTape& tape, const char* op, const std::vector<Tensor>& inputs,
                     const std::vector<Tensor>& outputs, const autodiff::BackwardFn& backward) {
    auto node = std::make_shared<GradientTape::Node>();
    node->op = op;
    for (const Tensor& t : inputs) {
      if (!t.defined()) {
        node->inputs.push_back(0);
        continue;
      }
      const auto& impl = t.impl();
      if (impl.trainable_variable && tape.watch_accessed_variables_) tape.watched_.insert(impl.id);
      node->inputs.push_back(impl.id);
    }
    for (const Tensor& t : outputs) {
      node->outputs.push_back(t.id());
      node->output_meta.push_back({t.shape(), t.dtype(), t.device()});
      tape.watched_.insert(t.id());
    }
    node->backward = backward;
    tape.nodes_.push_back(std::move(node));
  }

  static bool& recording(GradientTape& tape) { return tape.recording_; }
};

namespace autodiff {

bool should_record(const std::vector<Tensor>& inputs) {
  if (tape_stack.empty()) return false;
  for (GradientTape* tape : tape_stack)
    if (TapeAccess::watches_any(*tape, inputs)) return true;
  return false;
}

void record_operation(const char* op, const std::vector<Tensor>& inputs,
                      const std::vector<Tensor>& outputs, BackwardFn backward) {
  for (GradientTape* tape : tape_stack)
    if (TapeAccess::watches_any(*tape, inputs))
      TapeAccess::record(*tape, op, inputs, outputs, backward);
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
  with_strategy.on_gradient_ready = [&](size_t k, const std::optional<Tensor>& grad) {
    strategy.on_gradient_ready(k, grad);
    if (options.on_gradient_ready) options.on_gradient_ready(k, grad);
  };
  auto result = backward(target, sources, with_strategy);
  if (!persistent_) nodes_.clear();  // frees the saved forward tensors
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

std::vector<std::optional<Tensor>> GradientTape::backward(const Tensor& target,
                                                          const std::vector<Tensor>& sources,
                                                          const GradientOptions& options) {
  TANDEM_CHECK(target.defined(), ValueError, "GradientTape.gradient: the target is undefined");
  // The tape's own backward pass is not recorded on itself; outer tapes still record it, which is
  // what makes nested tapes give second derivatives.
  StopRecording pause(*this);

  // 1. Ids reachable forward from the sources: only nodes touching them need a backward step.
  // A source the tape never watched (a non-trainable variable, an unwatched tensor) is unconnected.
  std::unordered_set<uint64_t> reachable;
  for (const Tensor& s : sources)
    if (watched_.count(s.id())) reachable.insert(s.id());
  std::vector<bool> useful(nodes_.size(), false);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (uint64_t in : nodes_[i]->inputs) {
      if (in && reachable.count(in)) {
        useful[i] = true;
        break;
      }
    }
    if (useful[i])
      for (uint64_t out : nodes_[i]->outputs) reachable.insert(out);
  }

  // 2. A source's gradient is final once the earliest useful node that reads it has run backward.
  std::unordered_map<uint64_t, size_t> first_reader;
  for (size_t i = nodes_.size(); i-- > 0;) {
    if (!useful[i]) continue;
    for (uint64_t in : nodes_[i]->inputs) first_reader[in] = i;
  }

  std::unordered_map<uint64_t, Tensor> grads;
  Tensor seed = options.output_gradients ? *options.output_gradients : ones_like(target);
  TANDEM_CHECK(seed.shape() == target.shape(), ShapeError,
               "GradientTape.gradient: output_gradients must have the target's shape ",
               target.shape().to_string(), ", received ", seed.shape().to_string());
  grads[target.id()] = seed;

  std::vector<bool> fired(sources.size(), false);
  auto result_for = [&](size_t k) -> std::optional<Tensor> {
    auto it = grads.find(sources[k].id());
    if (it != grads.end() && reachable.count(sources[k].id())) return it->second;
    if (options.unconnected_gradients_zero) return zeros_like(sources[k]);
    return std::nullopt;
  };
  auto fire = [&](size_t k) {
    if (fired[k]) return;
    fired[k] = true;
    if (options.on_gradient_ready) options.on_gradient_ready(k, result_for(k));
  };

  for (size_t i = nodes_.size(); i-- > 0;) {
    const Node& node = *nodes_[i];
    if (useful[i]) {
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
      if (any) {
        autodiff::GradList in_grads = node.backward(out_grads);
        TANDEM_CHECK(in_grads.size() == node.inputs.size(), ValueError, "gradient of ", node.op,
                     " returned ", in_grads.size(), " gradients for ", node.inputs.size(),
                     " inputs");
        for (size_t j = 0; j < node.inputs.size(); ++j) {
          uint64_t id = node.inputs[j];
          if (!id || !in_grads[j] || !reachable.count(id)) continue;
          auto it = grads.find(id);
          if (it == grads.end()) {
            grads.emplace(id, *in_grads[j]);
          } else {
            it->second = add(it->second, *in_grads[j]);
          }
        }
      }
    }
    // Sources whose last contribution arrived at this node are final now.
    for (size_t k = 0; k < sources.size(); ++k) {
      auto it = first_reader.find(sources[k].id());
      if (it != first_reader.end() && it->second == i) fire(k);
    }
  }

  std::vector<std::optional<Tensor>> result(sources.size());
  for (size_t k = 0; k < sources.size(); ++k) {
    fire(k);  // sources no recorded op read (the target itself, or unconnected)
    result[k] = result_for(k);
  }
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
    rows.push_back(*backward(target, {source}, opts)[0]);
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
