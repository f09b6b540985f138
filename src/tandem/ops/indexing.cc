#include "tandem/ops/indexing.h"

#include "tandem/ops/op_utils.h"

namespace tandem {

Tensor tensor_scatter_nd_update(const Tensor&, const Tensor&, const Tensor&) {
  throw ValueError("tensor_scatter_nd_update: not implemented yet");  // TEMPORARY: helper replaces
}

}  // namespace tandem
