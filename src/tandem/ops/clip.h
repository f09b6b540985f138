// Clipping by norm (tf.clip_by_norm). Element-wise clipping (clip_by_value) is in math.h; this
// one needs a reduction, so it lives above both math and reduction.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem {

// Rescales x so its L2 norm (over `axes`, default all) is at most clip_norm.
Tensor clip_by_norm(const Tensor& x, double clip_norm,
                    const std::optional<std::vector<int64_t>>& axes = std::nullopt);

}  // namespace tandem
