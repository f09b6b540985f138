// Variable's shared state. Internal: seen by core/variable.cc and by ops/variable_ops.cc, where the
// variable's constructor and updates live because they compute (core/ does not depend on ops/).
#pragma once

#include <cstdint>
#include <string>

#include "tandem/core/tensor.h"
#include "tandem/core/variable.h"

namespace tandem {

struct Variable::State {
  std::string name;
  bool trainable = true;
  uint64_t id = 0;
  Tensor value;
};

namespace detail {
// A handle on `data` that carries the variable's identity (its id, and whether tapes watch it).
Tensor as_variable_value(const Tensor& data, uint64_t id, bool trainable);
}  // namespace detail

}  // namespace tandem
