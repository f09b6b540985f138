// Activations by Keras name ("relu", "softmax", ...) or as any C++ callable.
#pragma once

#include <functional>
#include <string>

#include "tandem/core/registry.h"
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
  // The built-in "relu" (not a user's function registered under that name): layers may fuse it
  // into their kernel (Conv2D does).
  bool is_relu() const;
};

// Keras's built-ins: relu, sigmoid, tanh, softmax, elu, selu, softplus, softsign, swish, gelu,
// exponential, linear (also relu6, leaky_relu, hard_sigmoid, log_softmax). ValueError otherwise.
Activation get(const std::string& name);

// The activations by name, built-in and registered (core/registry.h). A factory in custom_objects
// returns an Activation: {"my_act", [](const json&) { return Activation("my_act", fn); }}.
Registry<Activation>& activation_registry();
// Makes a user activation resolvable by name (for configs): register_activation("my_act", fn).
bool register_activation(const std::string& name, std::function<Tensor(const Tensor&)> fn);

}  // namespace tandem::activations

// Registers a custom activation function under `name` (a bare identifier).
#define TANDEM_REGISTER_ACTIVATION(name, fn) \
  TANDEM_REGISTER_STATIC(::tandem::activations::register_activation(#name, fn))
