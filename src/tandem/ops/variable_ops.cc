// Variable's constructor and updates (declared in core/variable.h). They cast, copy and add, which
// are ops, so they live here: core/ never includes ops/.
#include <algorithm>

#include "tandem/core/variable_state.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {

Variable::Variable(const Tensor& initial_value, VariableOptions options)
    : state_(std::make_shared<State>()) {
  ops::check_defined("Variable", initial_value, "initial_value");
  Tensor init = options.dtype ? cast(initial_value, *options.dtype) : initial_value;
  // Own storage: a variable never aliases the tensor it was built from.
  Tensor copy = ops::dispatch::copy("Variable", init);
  state_->name = options.name;
  state_->trainable = options.trainable;
  state_->id = detail::next_tensor_id();
  state_->value = detail::as_variable_value(copy, state_->id, options.trainable);
}

namespace {

// The variable's value to write: its own storage when nobody else can observe it, else a copy.
MutableTensor take_for_writing(Tensor& v) {
  // Only our handle and only our storage reference: nobody can observe an in-place write.
  const bool in_place = v.impl_ptr().use_count() == 1 && v.storage().use_count() == 1;
  return in_place ? MutableTensor::take_unshared(std::move(v))
                  : MutableTensor::take_unshared(ops::dispatch::copy("assign", v));
}

// Makes the written target the value of the variable with this id again.
void keep_written(Tensor& value, uint64_t id, bool trainable, MutableTensor& target) {
  Tensor written = std::move(target).freeze();
  // The taken value still carries the variable's identity; a copy gets it here.
  value =
      written.id() == id ? std::move(written) : detail::as_variable_value(written, id, trainable);
}

}  // namespace

void Variable::update(const std::function<void(MutableTensor&)>& write) {
  MutableTensor target = take_for_writing(state_->value);
  try {
    write(target);
  } catch (...) {
    // Never leave the variable without a value.
    keep_written(state_->value, state_->id, state_->trainable, target);
    throw;
  }
  keep_written(state_->value, state_->id, state_->trainable, target);
}

void detail::update_variables(const std::vector<Variable>& vars,
                              const std::function<void(std::vector<MutableTensor>&)>& write) {
  std::vector<Variable::State*> states;
  states.reserve(vars.size());
  for (const Variable& v : vars) {
    TANDEM_CHECK(v.defined(), ValueError, "update_variables: received an undefined variable");
    states.push_back(v.state_.get());
  }
  std::vector<Variable::State*> sorted = states;
  std::sort(sorted.begin(), sorted.end());
  TANDEM_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), ValueError,
               "update_variables: a variable was listed twice");
  std::vector<MutableTensor> targets;
  targets.reserve(states.size());
  auto keep_all = [&] {
    for (size_t i = 0; i < targets.size(); ++i)
      keep_written(states[i]->value, states[i]->id, states[i]->trainable, targets[i]);
  };
  try {
    for (Variable::State* s : states) targets.push_back(take_for_writing(s->value));
    write(targets);
  } catch (...) {
    keep_all();  // never leave a variable without a value
    throw;
  }
  keep_all();
}

namespace {
void check_update(const char* op, const Variable& var, const Tensor& value) {
  ops::check_defined(op, value, "value");
  TANDEM_CHECK(value.dtype() == var.dtype(), TypeError, op, ": variable '", var.name(),
               "' has dtype ", dtype_name(var.dtype()), ", received a value of dtype ",
               dtype_name(value.dtype()));
  TANDEM_CHECK(value.shape() == var.shape(), ShapeError, op, ": variable '", var.name(),
               "' has shape ", var.shape().to_list_string(), ", received a value of shape ",
               value.shape().to_list_string());
  TANDEM_CHECK(value.device() == var.device(), ValueError, op, ": variable '", var.name(),
               "' lives on ", var.device().to_string(), ", received a value on ",
               value.device().to_string());
}
}  // namespace

void Variable::assign(const Tensor& value) {
  check_update("assign", *this, value);
  const Tensor& current = state_->value;
  if (value.storage() == current.storage() && value.storage_offset() == current.storage_offset())
    return;
  update([&](MutableTensor& target) { ops::dispatch::copy_into("assign", value, target); });
}

void Variable::assign_add(const Tensor& delta) {
  check_update("assign_add", *this, delta);
  update([&](MutableTensor& target) {
    ops::dispatch::binary_into("assign_add", kernels::BinaryOp::kAdd, target.view(), delta, target);
  });
}

void Variable::assign_sub(const Tensor& delta) {
  check_update("assign_sub", *this, delta);
  update([&](MutableTensor& target) {
    ops::dispatch::binary_into("assign_sub", kernels::BinaryOp::kSub, target.view(), delta, target);
  });
}

void Variable::scatter_nd_update(const Tensor& indices, const Tensor& updates) {
  assign(tensor_scatter_nd_update(value(), indices, updates));
}

namespace {
// NumPy broadcasting of `from` onto exactly `to` (the slice keeps its shape).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.rank() > to.rank()) return false;
  for (int i = 1; i <= from.rank(); ++i) {
    int64_t f = from[from.rank() - i];
    if (f != 1 && f != to[to.rank() - i]) return false;
  }
  return true;
}
}  // namespace

// ---- sliced reads and assigns (v[{0, 1}].assign(x)) ----

VariableSlice Variable::operator[](std::initializer_list<TensorIndex> index) const {
  return VariableSlice(*this, std::vector<TensorIndex>(index));
}

VariableSlice Variable::operator[](const std::string& spec) const {
  return VariableSlice(*this, parse_index(spec));
}

VariableSlice Variable::operator[](int64_t index) const {
  return VariableSlice(*this, {TensorIndex(index)});
}

Tensor VariableSlice::value() const {
  Tensor v = variable_.value();
  StridedSliceArgs a = to_strided_slice_args(index_);
  return strided_slice(v, a.begin, a.end, a.strides, a.options);
}

Variable VariableSlice::assign(const Tensor& value) const {
  ops::check_defined("assign", value, "value");
  Tensor current = variable_.value();
  TANDEM_CHECK(value.dtype() == current.dtype(), TypeError, "sliced assign: variable '",
               variable_.name(), "' has dtype ", dtype_name(current.dtype()),
               ", received a value of dtype ", dtype_name(value.dtype()));
  // The same slice of the flat positions says which elements to overwrite.
  const int64_t n = current.num_elements();
  Tensor positions = reshape(range(int64_t{0}, n, int64_t{1}, int64), current.shape());
  StridedSliceArgs a = to_strided_slice_args(index_);
  positions = strided_slice(positions, a.begin, a.end, a.strides, a.options);
  TANDEM_CHECK(broadcasts_to(value.shape(), positions.shape()), ShapeError,
               "sliced assign: the slice of variable '", variable_.name(), "' has shape ",
               positions.shape().to_list_string(), ", received a value of shape ",
               value.shape().to_list_string());
  Tensor updates = reshape(broadcast_to(value, positions.shape()), Shape{-1});
  Tensor flat = tensor_scatter_nd_update(reshape(current, Shape{n}),
                                         reshape(positions, Shape{-1, 1}), updates);
  Variable target = variable_;
  target.assign(reshape(flat, current.shape()));
  return target;
}

}  // namespace tandem
