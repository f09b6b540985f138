// The config keys shared by layers with a kernel and a bias (Dense, Conv2D): activation, use_bias,
// and each weight's initializer, regularizer and constraint, in Keras's format. Options is any
// options aggregate with the members of DenseOptions of those names.
#pragma once

#include "tandem/activations/activation.h"
#include "tandem/layers/layer.h"

namespace tandem::layers {

template <class Options>
void write_kernel_bias_config(json& config, const Options& o) {
  config["activation"] = o.activation.name;
  config["use_bias"] = o.use_bias;
  config["kernel_initializer"] = initializers::serialize(
      o.kernel_initializer ? *o.kernel_initializer : *initializers::glorot_uniform());
  config["bias_initializer"] =
      initializers::serialize(o.bias_initializer ? *o.bias_initializer : *initializers::zeros());
  config["kernel_regularizer"] = regularizers::serialize(o.kernel_regularizer);
  config["bias_regularizer"] = regularizers::serialize(o.bias_regularizer);
  config["kernel_constraint"] = constraints::serialize(o.kernel_constraint);
  config["bias_constraint"] = constraints::serialize(o.bias_constraint);
}

template <class Options>
void read_kernel_bias_config(const json& config, Options& o) {
  o.activation = activations::get(config.value("activation", std::string("linear")));
  o.use_bias = config.value("use_bias", true);
  if (config.contains("kernel_initializer"))
    o.kernel_initializer = initializers::deserialize(config["kernel_initializer"]);
  if (config.contains("bias_initializer"))
    o.bias_initializer = initializers::deserialize(config["bias_initializer"]);
  o.kernel_regularizer = regularizers::deserialize(config.value("kernel_regularizer", json()));
  o.bias_regularizer = regularizers::deserialize(config.value("bias_regularizer", json()));
  o.kernel_constraint = constraints::deserialize(config.value("kernel_constraint", json()));
  o.bias_constraint = constraints::deserialize(config.value("bias_constraint", json()));
  o.layer = Layer::options_from_config(config);
}

}  // namespace tandem::layers
