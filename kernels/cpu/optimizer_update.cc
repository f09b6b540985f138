#include "kernels/cpu/optimizer_update.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/parallel.h"

namespace tandem::kernels::cpu {

namespace {

// Calls body(tensor, begin, end) over the elements of all tensors as one range [0, total), split
// into contiguous chunks that may cross from one tensor into the next: one parallel region for the
// whole step.
template <class Body>
void for_all_elements(const UpdateTensor* tensors, int64_t count, int64_t cost, Body&& body) {
  std::vector<int64_t> offsets(static_cast<size_t>(count) + 1, 0);
  for (int64_t i = 0; i < count; ++i) offsets[i + 1] = offsets[i] + tensors[i].n;
  parallel_for(offsets.back(), cost, [&](int64_t begin, int64_t end) {
    // The last tensor that starts at or before `begin`.
    auto first = std::upper_bound(offsets.begin(), offsets.end() - 1, begin) - 1;
    for (int64_t i = first - offsets.begin(); i < count && offsets[i] < end; ++i) {
      const int64_t lo = std::max(begin, offsets[i]) - offsets[i];
      const int64_t hi = std::min(end, offsets[i + 1]) - offsets[i];
      if (lo < hi) body(tensors[i], lo, hi);
    }
  });
}

template <class T, bool kDecay, bool kAmsgrad>
void adam(const OptimizerUpdate& u, const UpdateTensor* tensors, int64_t count) {
  const UpdateScalars<T> s(u);
  for_all_elements(tensors, count, 8, [&](const UpdateTensor& t, int64_t lo, int64_t hi) {
    T* var = static_cast<T*>(t.var);
    const T* g = static_cast<const T*>(t.grad);
    T* m = static_cast<T*>(t.slots[0]);
    T* v = static_cast<T*>(t.slots[1]);
    T* vhat = static_cast<T*>(t.slots[2]);
#pragma omp simd
    for (int64_t k = lo; k < hi; ++k)
      adam_element<T, kDecay, kAmsgrad>(s, g[k], var[k], m[k], v[k], kAmsgrad ? vhat + k : nullptr);
  });
}

template <class T, bool kDecay, bool kMomentum, bool kNesterov>
void sgd(const OptimizerUpdate& u, const UpdateTensor* tensors, int64_t count) {
  const UpdateScalars<T> s(u);
  for_all_elements(tensors, count, 2, [&](const UpdateTensor& t, int64_t lo, int64_t hi) {
    T* var = static_cast<T*>(t.var);
    const T* g = static_cast<const T*>(t.grad);
    T* m = static_cast<T*>(t.slots[0]);
#pragma omp simd
    for (int64_t k = lo; k < hi; ++k)
      sgd_element<T, kDecay, kMomentum, kNesterov>(s, g[k], var[k], kMomentum ? m + k : nullptr);
  });
}

template <class T, bool kDecay, bool kMomentum, bool kCentered>
void rmsprop(const OptimizerUpdate& u, const UpdateTensor* tensors, int64_t count) {
  const UpdateScalars<T> s(u);
  for_all_elements(tensors, count, 8, [&](const UpdateTensor& t, int64_t lo, int64_t hi) {
    T* var = static_cast<T*>(t.var);
    const T* g = static_cast<const T*>(t.grad);
    T* velocity = static_cast<T*>(t.slots[0]);
    // The optional slots follow velocity in num_update_slots's order.
    T* momentum = kMomentum ? static_cast<T*>(t.slots[1]) : nullptr;
    T* average = kCentered ? static_cast<T*>(t.slots[kMomentum ? 2 : 1]) : nullptr;
#pragma omp simd
    for (int64_t k = lo; k < hi; ++k)
      rmsprop_element<T, kDecay, kMomentum, kCentered>(s, g[k], var[k], velocity[k],
                                                       kMomentum ? momentum + k : nullptr,
                                                       kCentered ? average + k : nullptr);
  });
}

// The rule's runtime flags as template arguments, so that each loop body is branch-free.
template <class T, bool kDecay>
void apply_typed(const OptimizerUpdate& u, const UpdateTensor* tensors, int64_t count) {
  const bool momentum = u.momentum > 0;
  switch (u.rule) {
    case UpdateRule::kAdam:
      return u.amsgrad ? adam<T, kDecay, true>(u, tensors, count)
                       : adam<T, kDecay, false>(u, tensors, count);
    case UpdateRule::kSGD:
      if (!momentum) return sgd<T, kDecay, false, false>(u, tensors, count);
      return u.nesterov ? sgd<T, kDecay, true, true>(u, tensors, count)
                        : sgd<T, kDecay, true, false>(u, tensors, count);
    case UpdateRule::kRMSprop:
      if (momentum) {
        return u.centered ? rmsprop<T, kDecay, true, true>(u, tensors, count)
                          : rmsprop<T, kDecay, true, false>(u, tensors, count);
      }
      return u.centered ? rmsprop<T, kDecay, false, true>(u, tensors, count)
                        : rmsprop<T, kDecay, false, false>(u, tensors, count);
  }
}

template <class T>
void apply_typed(const OptimizerUpdate& u, const UpdateTensor* tensors, int64_t count) {
  if (u.weight_decay) {
    apply_typed<T, true>(u, tensors, count);
  } else {
    apply_typed<T, false>(u, tensors, count);
  }
}

}  // namespace

bool has_update_kernel(ScalarType t) {
  return t == ScalarType::kFloat32 || t == ScalarType::kFloat64;
}

void apply_update(const OptimizerUpdate& u, ScalarType t, const UpdateTensor* tensors,
                  int64_t count) {
  if (t == ScalarType::kFloat32) return apply_typed<float>(u, tensors, count);
  if (t == ScalarType::kFloat64) return apply_typed<double>(u, tensors, count);
  // The dispatch seam checks has_update_kernel first; reaching here is a caller's bug.
  throw std::invalid_argument("apply_update: no kernel for dtype " +
                              std::to_string(static_cast<int>(t)));
}

}  // namespace tandem::kernels::cpu
