// Variable: a named, mutable tensor, like tf.Variable (DESIGN section 2).
//
// Reading a Variable gives a Tensor snapshot that carries the variable's id, so a GradientTape
// attributes gradients to the variable. Updates write in place when nobody else holds the current
// value, and copy-on-write otherwise, so tensors read earlier keep their values (tf.Tensor
// semantics).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tandem/core/tensor.h"

namespace tandem {

class MutableTensor;

struct VariableOptions {
  std::string name = "Variable";
  bool trainable = true;
  std::optional<DType> dtype = std::nullopt;  // cast the initial value to this dtype
};

class Variable {
 public:
  Variable() = default;
  explicit Variable(const Tensor& initial_value, VariableOptions options = {});

  bool defined() const { return state_ != nullptr; }
  // The current value (no copy).
  Tensor value() const;
  Tensor read_value() const { return value(); }
  operator Tensor() const { return value(); }  // NOLINT: variables go wherever tensors do

  const std::string& name() const;
  bool trainable() const;
  void set_trainable(bool trainable);
  uint64_t id() const;
  const Shape& shape() const { return value().shape(); }
  DType dtype() const { return value().dtype(); }
  Device device() const { return value().device(); }

  // Replace the value; shape and dtype must match (ShapeError / TypeError otherwise).
  void assign(const Tensor& value);
  void assign_add(const Tensor& delta);
  void assign_sub(const Tensor& delta);
  // Writes `updates` at `indices` (a [..., k] int tensor of index tuples), like
  // tf.Variable.scatter_nd_update.
  void scatter_nd_update(const Tensor& indices, const Tensor& updates);

  std::string to_string() const;

  // Identity: two handles to the same variable compare equal.
  bool operator==(const Variable& o) const { return state_ == o.state_; }

 private:
  struct State;
  // Writes the new value: `write` gets the current storage when nobody else holds it, else a fresh
  // copy (copy-on-write), and the result becomes the value. With the constructor and the updates
  // in ops/variable_ops.cc.
  void update(const std::function<void(MutableTensor&)>& write);
  std::shared_ptr<State> state_;
};

std::ostream& operator<<(std::ostream& os, const Variable& v);

}  // namespace tandem
