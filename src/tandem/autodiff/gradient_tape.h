// GradientTape: records operations on watched tensors and differentiates them (DESIGN section 2).
//
//   GradientTape tape;                    // trainable Variables are watched automatically
//   Tensor loss = reduce_sum(square(matmul(x, w)));
//   auto grads = tape.gradient(loss, {w}); // one std::optional<Tensor> per source
//
// Tapes form a thread-local stack: every active tape that watches an op's input records it, so
// nested tapes give higher-order gradients (the outer tape records the inner tape's backward pass).
//
// Memory: a recorded op keeps only what its gradient reads. During a non-persistent tape's backward
// pass each gradient is dropped once the node that reads it has run, and each node's closure (with
// the forward tensors it saved) right after it ran, so backward's peak stays near the forward's.
// A persistent tape keeps everything until it is destroyed or reset().
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem {

// Called once per distinct source as soon as its gradient is final, in backward order, before
// gradient() returns (the data-parallel reducer starts all-reduces from here). It is keyed by the
// source itself, not by its position in the sources list: `source` is the tensor passed (for a
// Variable, its value, whose id() is the variable's id). `grad` is empty for a source the target
// does not depend on.
using GradientReadyHook =
    std::function<void(const Tensor& source, const std::optional<Tensor>& grad)>;

struct GradientOptions {
  // Seeds for the target's gradient (default: ones, i.e. d(sum(target))).
  std::optional<Tensor> output_gradients = std::nullopt;
  GradientReadyHook on_gradient_ready = nullptr;
  // Return zeros instead of an empty optional for unconnected sources
  // (tf.UnconnectedGradients.ZERO).
  bool unconnected_gradients_zero = false;
};

class GradientTape {
 public:
  explicit GradientTape(bool persistent = false, bool watch_accessed_variables = true);
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  void watch(const Tensor& t);
  void watch(const std::vector<Tensor>& ts);

  // d(target)/d(source) for each source; Variables convert to their current value, which carries
  // the variable's identity. A non-persistent tape can answer once.
  std::vector<std::optional<Tensor>> gradient(const Tensor& target,
                                              const std::vector<Tensor>& sources,
                                              const GradientOptions& options = {});
  std::vector<std::optional<Tensor>> gradient(const Tensor& target,
                                              const std::vector<Variable>& sources,
                                              const GradientOptions& options = {});
  std::optional<Tensor> gradient(const Tensor& target, const Tensor& source);

  // Full Jacobian: shape target.shape + source.shape. Zeros where unconnected.
  Tensor jacobian(const Tensor& target, const Tensor& source);

  // RAII pause: ops inside the scope are not recorded on this tape.
  class [[nodiscard]] StopRecording {
   public:
    explicit StopRecording(GradientTape& tape);
    ~StopRecording();
    StopRecording(const StopRecording&) = delete;
    StopRecording& operator=(const StopRecording&) = delete;

   private:
    GradientTape& tape_;
    bool was_recording_;
  };
  StopRecording stop_recording() { return StopRecording(*this); }

  // Forgets everything recorded so far (the tape stays active).
  void reset();

  bool persistent() const { return persistent_; }

  struct Node;  // one recorded operation (gradient_tape.cc)

 private:
  friend struct TapeAccess;
  // `release`: free each node's closure (and with it the forward tensors it saved) as soon as it
  // has run, for a tape that will not be asked again.
  std::vector<std::optional<Tensor>> backward(const Tensor& target,
                                              const std::vector<Tensor>& sources,
                                              const GradientOptions& options, bool release);
  bool persistent_;
  bool watch_accessed_variables_;
  bool recording_ = true;
  bool used_ = false;
  std::unordered_set<uint64_t> watched_;
  std::vector<std::shared_ptr<Node>> nodes_;
};

// A tensor with the same value that gradients do not flow through.
Tensor stop_gradient(const Tensor& x);

// Wraps f so that its gradient is the one f returns instead of the one of the ops inside it:
//   auto softplus = custom_gradient([](const std::vector<Tensor>& in) {
//     Tensor x = in[0];
//     Tensor y = log1p(exp(x));
//     return CustomGradientResult{y, [x](const Tensor& dy) { return std::vector<Tensor>{dy *
//     sigmoid(x)}; }};
//   });
struct CustomGradientResult {
  Tensor output;
  std::function<std::vector<Tensor>(const Tensor& dy)> grad_fn;
};
std::function<Tensor(const std::vector<Tensor>&)> custom_gradient(
    std::function<CustomGradientResult(const std::vector<Tensor>&)> f);

namespace autodiff {

// One gradient per op input; empty for inputs without a gradient (indices, integer tensors).
using GradList = std::vector<std::optional<Tensor>>;
// Receives one gradient per op output (zeros for outputs the target does not reach).
using BackwardFn = std::function<GradList(const std::vector<Tensor>& output_grads)>;

// The tensors an op reads or writes, as a braced list (`{x, y}`) or a vector, without copying them
// into a heap vector: should_record runs on every floating-point op, tape or no tape. A parameter
// type only: a braced list's array lives until the end of the call's full expression, not longer.
class TensorList {
 public:
  TensorList(std::initializer_list<Tensor> ts) {  // NOLINT: implicit, so call sites write {x, y}
    data_ = ts.begin();
    size_ = ts.size();
  }
  TensorList(const std::vector<Tensor>& ts)  // NOLINT: implicit, so a vector passes as it is
      : data_(ts.data()), size_(ts.size()) {}
  const Tensor* begin() const { return data_; }
  const Tensor* end() const { return data_ + size_; }
  size_t size() const { return size_; }

 private:
  const Tensor* data_ = nullptr;
  size_t size_ = 0;
};

// True when some active tape on this thread watches one of `inputs` (no work when no tape is
// active).
bool should_record(TensorList inputs);
// Records outputs = op(inputs) on every active tape that watches an input. `backward` should
// capture only what the gradient formula reads (shapes rather than tensors where it can): a
// recorded closure keeps its tensors alive until the tape's backward pass has run it.
void record_operation(const char* op, TensorList inputs, TensorList outputs, BackwardFn backward);

// Inside a gradient closure that a tape's backward pass runs: whether that pass uses the gradient
// of the op's input `index` (TensorFlow's skip_input_indices, the other way round). An input no
// source reaches, such as the batch of images the first layer reads, gets none: its closure may
// return nullopt for it and skip the work (the first convolution's or Dense layer's input
// gradient, a GEMM or a col2im per step). True outside a backward pass.
bool input_gradient_needed(size_t index);
// compute() where the running backward pass needs input `index`'s gradient, else nullopt.
template <class F>
std::optional<Tensor> gradient_if_needed(size_t index, F&& compute) {
  if (!input_gradient_needed(index)) return std::nullopt;
  return compute();
}

// Pauses every tape on this thread (used while a tape runs its own backward pass, and by
// custom_gradient around the user's forward function).
class PauseAllTapes {
 public:
  PauseAllTapes();
  ~PauseAllTapes();
  PauseAllTapes(const PauseAllTapes&) = delete;
  PauseAllTapes& operator=(const PauseAllTapes&) = delete;

 private:
  std::vector<std::pair<GradientTape*, bool>> saved_;
};

}  // namespace autodiff
}  // namespace tandem
