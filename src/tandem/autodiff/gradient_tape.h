// GradientTape: records operations on watched tensors and differentiates them (DESIGN section 2).
//
//   GradientTape tape;                    // trainable Variables are watched automatically
//   Tensor loss = reduce_sum(square(matmul(x, w)));
//   auto grads = tape.gradient(loss, {w}); // one std::optional<Tensor> per source
//
// Tapes form a thread-local stack: every active tape that watches an op's input records it, so
// nested tapes give higher-order gradients (the outer tape records the inner tape's backward pass).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem {

// Called once per source as soon as its gradient is final, in backward order, before gradient()
// returns (the data-parallel reducer starts all-reduces from here). `grad` is empty for a source
// the target does not depend on.
using GradientReadyHook =
    std::function<void(size_t source_index, const std::optional<Tensor>& grad)>;

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
  std::vector<std::optional<Tensor>> backward(const Tensor& target,
                                              const std::vector<Tensor>& sources,
                                              const GradientOptions& options);
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

// True when some active tape on this thread watches one of `inputs` (cheap when no tape is active).
bool should_record(const std::vector<Tensor>& inputs);
// Records outputs = op(inputs) on every active tape that watches an input.
void record_operation(const char* op, const std::vector<Tensor>& inputs,
                      const std::vector<Tensor>& outputs, BackwardFn backward);

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
