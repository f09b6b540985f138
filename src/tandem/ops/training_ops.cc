#include "tandem/ops/training_ops.h"

#include <set>

#include "tandem/core/mutable_tensor.h"
#include "tandem/ops/dispatch.h"

namespace tandem::ops {

namespace {

constexpr const char* kOp = "apply_update";

// ValueError / TypeError unless `t` has `like`'s shape, dtype and device.
void check_matches(const Tensor& t, const Variable& like, const char* what) {
  TANDEM_CHECK(t.shape() == like.shape(), ValueError, kOp, ": the ", what, " of variable '",
               like.name(), "' has shape ", t.shape().to_list_string(), ", expected ",
               like.shape().to_list_string());
  TANDEM_CHECK(t.dtype() == like.dtype(), TypeError, kOp, ": the ", what, " of variable '",
               like.name(), "' has dtype ", dtype_name(t.dtype()), ", expected ",
               dtype_name(like.dtype()));
  TANDEM_CHECK(t.device() == like.device(), ValueError, kOp, ": the ", what, " of variable '",
               like.name(), "' lives on ", t.device().to_string(), ", expected ",
               like.device().to_string());
}

}  // namespace

bool can_apply_update(const std::vector<Variable>& vars, const std::vector<Tensor>& grads) {
  if (vars.empty() || vars.size() != grads.size()) return false;
  const Device device = vars.front().device();
  const DType dtype = vars.front().dtype();
  if (!dispatch::has_update_kernel(device, dtype)) return false;
  std::set<uint64_t> ids;
  for (size_t i = 0; i < vars.size(); ++i) {
    if (vars[i].device() != device || vars[i].dtype() != dtype) return false;
    if (grads[i].device() != device || grads[i].dtype() != dtype) return false;
    if (!ids.insert(vars[i].id()).second) return false;
  }
  return true;
}

void apply_update(const kernels::OptimizerUpdate& u, const std::vector<Variable>& vars,
                  const std::vector<Tensor>& grads,
                  const std::vector<std::vector<Variable>>& slots) {
  TANDEM_CHECK(grads.size() == vars.size() && slots.size() == vars.size(), ValueError, kOp,
               ": expected as many gradients and slot lists as variables (", vars.size(),
               "), received ", grads.size(), " and ", slots.size());
  const size_t per_var = static_cast<size_t>(kernels::num_update_slots(u));
  // Every variable, then its slots: the order dispatch::optimizer_update reads.
  std::vector<Variable> targets;
  targets.reserve(vars.size() * (1 + per_var));
  for (size_t i = 0; i < vars.size(); ++i) {
    check_matches(grads[i], vars[i], "gradient");
    // One dtype and one device for the whole kernel call.
    TANDEM_CHECK(
        vars[i].dtype() == vars.front().dtype() && vars[i].device() == vars.front().device(),
        TypeError, kOp, ": variable '", vars[i].name(), "' is ", dtype_name(vars[i].dtype()),
        " on ", vars[i].device().to_string(), ", expected ", dtype_name(vars.front().dtype()),
        " on ", vars.front().device().to_string(), " like the first variable");
    TANDEM_CHECK(slots[i].size() == per_var, ValueError, kOp, ": variable '", vars[i].name(),
                 "' has ", slots[i].size(), " slots, the update rule takes ", per_var);
    targets.push_back(vars[i]);
    for (const Variable& s : slots[i]) {
      check_matches(s.value(), vars[i], "slot");
      targets.push_back(s);
    }
  }
  detail::update_variables(targets, [&](std::vector<MutableTensor>& writable) {
    dispatch::optimizer_update(kOp, u, grads, writable);
  });
}

}  // namespace tandem::ops
