// The optimizers' fused update as an op over lists of variables: TensorFlow's training ops
// (tf.raw_ops.ResourceApplyAdam, ResourceApplyKerasMomentum, ResourceApplyRMSProp,
// ResourceApplyCenteredRMSProp) in one multi-tensor call. One kernel pass updates every variable
// and its slots in place, parallelised over all their elements together. Internal to the
// optimizers; never recorded on a tape.
#pragma once

#include <vector>

#include "kernels/common/optimizer_update.h"
#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem::ops {

// Whether apply_update can run on these variables and gradients: all on one device and of one
// dtype that has the fused kernel (float32 or float64 on the CPU), no variable listed twice.
// Otherwise the optimizer composes its formula from element-wise ops.
bool can_apply_update(const std::vector<Variable>& vars, const std::vector<Tensor>& grads);

// Applies `u` to every variable in place; slots[i] holds variable i's
// kernels::num_update_slots(u) slots in that function's order. ValueError when the lists'
// lengths, shapes or devices disagree, TypeError for dtypes.
void apply_update(const kernels::OptimizerUpdate& u, const std::vector<Variable>& vars,
                  const std::vector<Tensor>& grads,
                  const std::vector<std::vector<Variable>>& slots);

}  // namespace tandem::ops
