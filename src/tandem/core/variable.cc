#include "tandem/core/variable.h"

#include <sstream>

#include "tandem/core/allocator.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"

namespace tandem {

struct Variable::State {
  std::string name;
  bool trainable = true;
  uint64_t id = 0;
  Tensor value;
};

namespace {
// A snapshot handle carrying the variable's identity.
Tensor as_variable_value(const Tensor& data, uint64_t id, bool trainable) {
  auto impl =
      std::allocate_shared<detail::TensorImpl>(cpu_allocator::ObjectAllocator<void>(), data.impl());
  impl->id = id;
  impl->trainable_variable = trainable;
  return Tensor(std::move(impl));
}
}  // namespace

Variable::Variable(const Tensor& initial_value, VariableOptions options)
    : state_(std::make_shared<State>()) {
  ops::check_defined("Variable", initial_value, "initial_value");
  Tensor init = options.dtype ? cast(initial_value, *options.dtype) : initial_value;
  // Own storage: a variable never aliases the tensor it was built from.
  Tensor copy = Tensor::empty(init.shape(), init.dtype(), init.device());
  ops::dispatch::copy(init, copy);
  state_->name = options.name;
  state_->trainable = options.trainable;
  state_->id = detail::next_tensor_id();
  state_->value = as_variable_value(copy, state_->id, options.trainable);
}

Tensor Variable::value() const {
  TANDEM_CHECK(state_ != nullptr, ValueError, "operation on an undefined Variable");
  return state_->value;
}

const std::string& Variable::name() const {
  TANDEM_CHECK(state_ != nullptr, ValueError, "operation on an undefined Variable");
  return state_->name;
}

bool Variable::trainable() const { return state_ && state_->trainable; }

void Variable::set_trainable(bool trainable) {
  TANDEM_CHECK(state_ != nullptr, ValueError, "operation on an undefined Variable");
  state_->trainable = trainable;
  state_->value = as_variable_value(state_->value, state_->id, trainable);
}

uint64_t Variable::id() const {
  TANDEM_CHECK(state_ != nullptr, ValueError, "operation on an undefined Variable");
  return state_->id;
}

Tensor Variable::writable_value() {
  Tensor& v = state_->value;
  // Only our handle and only our storage reference: nobody can observe an in-place write.
  if (v.impl_ptr().use_count() == 1 && v.storage().use_count() == 1) return v;
  Tensor fresh = Tensor::empty(v.shape(), v.dtype(), v.device());
  ops::dispatch::copy(v, fresh);
  v = as_variable_value(fresh, state_->id, state_->trainable);
  return v;
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
  Tensor target = writable_value();
  if (value.storage() == target.storage() && value.storage_offset() == target.storage_offset())
    return;
  ops::dispatch::copy(value, target);
}

void Variable::assign_add(const Tensor& delta) {
  check_update("assign_add", *this, delta);
  Tensor target = writable_value();
  ops::dispatch::binary(kernels::BinaryOp::kAdd, target, delta, target);
}

void Variable::assign_sub(const Tensor& delta) {
  check_update("assign_sub", *this, delta);
  Tensor target = writable_value();
  ops::dispatch::binary(kernels::BinaryOp::kSub, target, delta, target);
}

void Variable::scatter_nd_update(const Tensor& indices, const Tensor& updates) {
  assign(tensor_scatter_nd_update(value(), indices, updates));
}

std::string Variable::to_string() const {
  std::ostringstream out;
  out << "<tf.Variable '" << name() << ":0' shape=" << shape().to_string()
      << " dtype=" << dtype_name(dtype()) << ", numpy=\n"
      << value().values_string() << ">";
  return out.str();
}

std::ostream& operator<<(std::ostream& os, const Variable& v) { return os << v.to_string(); }

}  // namespace tandem
