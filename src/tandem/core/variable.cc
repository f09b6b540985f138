#include "tandem/core/variable.h"

#include <sstream>

#include "tandem/core/allocator.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/indexing.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/shape_ops.h"

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

VariableSlice Variable::operator[](std::initializer_list<TensorIndex> index) const {
  return VariableSlice(*this, std::vector<TensorIndex>(index));
}

VariableSlice Variable::operator[](const std::string& spec) const {
  return VariableSlice(*this, parse_index(spec));
}

VariableSlice Variable::operator[](int64_t index) const {
  return VariableSlice(*this, {TensorIndex(index)});
}

std::string Variable::to_string() const {
  std::string out = "<tf.Variable '";
  out += name();
  out += ":0' shape=";
  out += shape().to_string();
  out += " dtype=";
  out += dtype_name(dtype());
  out += ", numpy=";
  std::string values = value().numpy_repr();
  if (values.find('\n') != std::string::npos) out += "\n";  // TensorFlow's numpy_text does this
  out += values;
  out += ">";
  return out;
}

std::ostream& operator<<(std::ostream& os, const Variable& v) { return os << v.to_string(); }

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
