// Activations by Keras name ("relu", "softmax", ...) or as any C++ callable.
#pragma once

#include <functional>
#include <string>

#include "tandem/core/tensor.h"

namespace tandem::activations {

// A named activation: the name is what get_config() stores; a user's callable gets the name it was
// given (and cannot be rebuilt from a config unless registered under that name).
struct Activation {
  std::string name = "linear";
  std::function<Tensor(const Tensor&)> fn = nullptr;  // null means linear (identity)

  Activation() = default;
  Activation(const char* keras_name);         // NOLINT: "relu" converts implicitly, as in Keras
  Activation(const std::string& keras_name);  // NOLINT
  Activation(std::string custom_name, std::function<Tensor(const Tensor&)> f);

  Tensor operator()(const Tensor& x) const { return fn ? fn(x) : x; }
  bool is_linear() const { return !fn; }
};

// Keras's built-ins: relu, sigmoid, tanh, softmax, elu, selu, softplus, softsign, swish, gelu,
// exponential, linear (also relu6, leaky_relu, hard_sigmoid, log_softmax). ValueError otherwise.
Activation get(const std::string& name);

// Makes a user activation resolvable by name (for configs): register_activation("my_act", fn).
void register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn);

}  // namespace tandem::activations
