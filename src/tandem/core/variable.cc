#include "tandem/core/variable.h"

#include <sstream>

#include "tandem/core/allocator.h"
#include "tandem/core/variable_state.h"

namespace tandem {

namespace detail {
Tensor as_variable_value(const Tensor& data, uint64_t id, bool trainable) {
  auto impl =
      std::allocate_shared<detail::TensorImpl>(cpu_allocator::ObjectAllocator<void>(), data.impl());
  impl->id = id;
  impl->trainable_variable = trainable;
  return Tensor(std::move(impl));
}
}  // namespace detail

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
  state_->value = detail::as_variable_value(state_->value, state_->id, trainable);
}

uint64_t Variable::id() const {
  TANDEM_CHECK(state_ != nullptr, ValueError, "operation on an undefined Variable");
  return state_->id;
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

}  // namespace tandem
