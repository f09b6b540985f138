// The optimizers' multi-tensor update on the CPU: one call updates every variable of a step (its
// gradient and slots with it), parallelised over the elements of all of them together, so that
// small variables (biases) do not each start an OpenMP team.
#pragma once

#include <cstdint>

#include "kernels/common/optimizer_update.h"
#include "kernels/common/scalar_type.h"

namespace tandem::kernels::cpu {

// Whether apply_update has a kernel for dtype t (float32 and float64).
bool has_update_kernel(ScalarType t);

// Applies `u` to tensors[0, count), all of dtype t, in place.
void apply_update(const OptimizerUpdate& u, ScalarType t, const UpdateTensor* tensors,
                  int64_t count);

}  // namespace tandem::kernels::cpu
