// The optimizers' fused update rules (tf.raw_ops.ResourceApplyAdam, ResourceApplyKerasMomentum,
// ResourceApplyRMSProp / ResourceApplyCenteredRMSProp in one), one element at a time. The
// optimizers in src/tandem/optimizers compose the same formulas from element-wise ops; these do the
// whole step of one element in registers, so a variable is read and written once per step instead
// of once per op. Each formula follows the composed one operation for operation (hyperparameters
// converted to T first, as a C++ scalar adopts a tensor's dtype), so the two agree to rounding.
// Compiled as C++17 (nvcc sees this header).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/common/macros.h"

namespace tandem::kernels {

enum class UpdateRule : uint8_t { kAdam, kSGD, kRMSprop };

// One step's rule and hyperparameters, shared by every variable of a multi-tensor update.
struct OptimizerUpdate {
  UpdateRule rule = UpdateRule::kSGD;
  // Decoupled weight decay first: var -= var * decay (learning rate times weight_decay).
  bool weight_decay = false;
  double decay = 0;
  double lr = 0;  // SGD, RMSprop
  // Adam: the bias-corrected step size lr * sqrt(1 - beta_2^t) / (1 - beta_1^t).
  double alpha = 0;
  double beta_1 = 0, beta_2 = 0;
  double epsilon = 0;  // Adam, RMSprop
  bool amsgrad = false;
  double momentum = 0;  // SGD, RMSprop: 0 means no momentum slot
  bool nesterov = false;
  double rho = 0;
  bool centered = false;
};

// The slots each variable brings, in this order: Adam m, v[, vhat]; SGD [m] (momentum > 0);
// RMSprop velocity[, momentum (momentum > 0)][, average_gradient (centered)].
TANDEM_INLINE int num_update_slots(const OptimizerUpdate& u) {
  switch (u.rule) {
    case UpdateRule::kAdam:
      return u.amsgrad ? 3 : 2;
    case UpdateRule::kSGD:
      return u.momentum > 0 ? 1 : 0;
    case UpdateRule::kRMSprop:
      return 1 + (u.momentum > 0 ? 1 : 0) + (u.centered ? 1 : 0);
  }
  return 0;
}

constexpr int kMaxUpdateSlots = 3;

// One variable of a multi-tensor update: n elements of the variable, its gradient and its slots
// (num_update_slots of them), all of one dtype and on one device.
struct UpdateTensor {
  void* var = nullptr;
  const void* grad = nullptr;
  void* slots[kMaxUpdateSlots] = {nullptr, nullptr, nullptr};
  int64_t n = 0;
};

// Hyperparameters converted to T once per step.
template <class T>
struct UpdateScalars {
  T decay, lr, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, momentum, rho, one_minus_rho;
  TANDEM_HD explicit UpdateScalars(const OptimizerUpdate& u)
      : decay(T(u.decay)),
        lr(T(u.lr)),
        alpha(T(u.alpha)),
        one_minus_beta_1(T(1.0 - u.beta_1)),
        one_minus_beta_2(T(1.0 - u.beta_2)),
        epsilon(T(u.epsilon)),
        momentum(T(u.momentum)),
        rho(T(u.rho)),
        one_minus_rho(T(1.0 - u.rho)) {}
};

// Adam (Keras 2.11): m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); [vhat = max(vhat, v)];
// var -= m * alpha / (sqrt(v or vhat) + epsilon).
template <class T, bool kDecay, bool kAmsgrad>
TANDEM_INLINE void adam_element(const UpdateScalars<T>& s, T g, T& var, T& m, T& v, T* vhat) {
  if (kDecay) var = var - var * s.decay;
  m = m + (g - m) * s.one_minus_beta_1;
  v = v + (g * g - v) * s.one_minus_beta_2;
  T second = v;
  if (kAmsgrad) {
    *vhat = *vhat > v ? *vhat : v;
    second = *vhat;
  }
  var = var - m * s.alpha / (std::sqrt(second) + s.epsilon);
}

// SGD (Keras 2.11): without momentum var -= lr g; with it m = momentum m - lr g, then
// var += m, or var += momentum m - lr g (nesterov).
template <class T, bool kDecay, bool kMomentum, bool kNesterov>
TANDEM_INLINE void sgd_element(const UpdateScalars<T>& s, T g, T& var, T* m) {
  if (kDecay) var = var - var * s.decay;
  const T scaled = g * s.lr;
  if (!kMomentum) {
    var = var - scaled;
    return;
  }
  *m = *m * s.momentum - scaled;
  var = var + (kNesterov ? *m * s.momentum - scaled : *m);
}

// RMSprop (Keras 2.11): velocity = rho velocity + (1 - rho) g^2; centered: average = rho average
// + (1 - rho) g and the denominator velocity - average^2 + epsilon, else velocity + epsilon;
// step = lr g / sqrt(denominator); with momentum: momentum_slot = momentum momentum_slot + step,
// var -= momentum_slot; else var -= step.
template <class T, bool kDecay, bool kMomentum, bool kCentered>
TANDEM_INLINE void rmsprop_element(const UpdateScalars<T>& s, T g, T& var, T& velocity, T* momentum,
                                   T* average) {
  if (kDecay) var = var - var * s.decay;
  velocity = velocity * s.rho + g * g * s.one_minus_rho;
  T denominator;
  if (kCentered) {
    *average = *average * s.rho + g * s.one_minus_rho;
    denominator = velocity - *average * *average + s.epsilon;
  } else {
    denominator = velocity + s.epsilon;
  }
  const T step = g * s.lr * (T(1) / std::sqrt(denominator));
  if (kMomentum) {
    *momentum = *momentum * s.momentum + step;
    var = var - *momentum;
  } else {
    var = var - step;
  }
}

}  // namespace tandem::kernels
