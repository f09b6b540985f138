// The reductions the reduce kernels compute, shared by every device's launchers.
#pragma once

#include <cstdint>

namespace tandem::kernels {

enum class ReduceOp : uint8_t { kSum, kMean, kMax, kMin, kProd, kAny, kAll };
enum class ArgReduceOp : uint8_t { kArgMax, kArgMin };

}  // namespace tandem::kernels
