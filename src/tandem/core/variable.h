// Variable: a named, mutable tensor, like tf.Variable (DESIGN section 2).
//
// Reading a Variable gives a Tensor snapshot that carries the variable's id, so a GradientTape
// attributes gradients to the variable. Updates write in place when nobody else holds the current
// value, and copy-on-write otherwise, so tensors read earlier keep their values (tf.Tensor
// semantics).
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "tandem/core/index.h"
#include "tandem/core/tensor.h"

namespace tandem {

class MutableTensor;
class Variable;
class VariableSlice;

namespace detail {
// Writes several variables in one call (the optimizers' multi-tensor update, ops/training_ops.h):
// `write` gets one target per variable, in order, each the variable's own storage when nobody else
// holds it, else a copy (copy-on-write, as a single update). The variables must be distinct.
void update_variables(const std::vector<Variable>& vars,
                      const std::function<void(std::vector<MutableTensor>&)>& write);
}  // namespace detail

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

  // A strided slice that can be read or assigned, as TensorFlow's `v[0, 1].assign(x)`:
  //   v[{0, 1}].assign(x);   v[{Slice(), 2}].assign(column);   v[":, 2"].assign(column);
  VariableSlice operator[](std::initializer_list<TensorIndex> index) const;
  VariableSlice operator[](const std::string& spec) const;
  VariableSlice operator[](int64_t index) const;

  // TensorFlow's repr, the value as numpy's repr writes it:
  //   <tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>
  std::string to_string() const;

  // Identity: two handles to the same variable compare equal.
  bool operator==(const Variable& o) const { return state_ == o.state_; }

 private:
  struct State;
  // Writes the new value: `write` gets the current storage when nobody else holds it, else a fresh
  // copy (copy-on-write), and the result becomes the value. With the constructor and the updates
  // in ops/variable_ops.cc.
  void update(const std::function<void(MutableTensor&)>& write);
  friend void detail::update_variables(
      const std::vector<Variable>& vars,
      const std::function<void(std::vector<MutableTensor>&)>& write);
  std::shared_ptr<State> state_;
};

std::ostream& operator<<(std::ostream& os, const Variable& v);

// `v[index]`: reading gives the slice's current value (tf.strided_slice); assign writes into the
// variable in place of those elements (tf's strided_slice_assign). The value must have the
// variable's dtype and broadcast to the slice's shape.
class VariableSlice {
 public:
  VariableSlice(Variable variable, std::vector<TensorIndex> index)
      : variable_(std::move(variable)), index_(std::move(index)) {}
  Tensor value() const;
  operator Tensor() const { return value(); }  // NOLINT: a slice reads like a tensor
  // Returns the variable, as TensorFlow's sliced assign returns the updated variable.
  Variable assign(const Tensor& value) const;

 private:
  Variable variable_;
  std::vector<TensorIndex> index_;
};

}  // namespace tandem
