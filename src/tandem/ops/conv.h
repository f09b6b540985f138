// 2-D convolution (tf.nn.conv2d) over NHWC images, its transpose and its two gradients.
#pragma once

#include <string>

#include "tandem/core/tensor.h"
#include "tandem/ops/window.h"

namespace tandem {

// The op's options (tf.nn.conv2d); named apart from layers::Conv2DOptions so that
// `using namespace tandem; using namespace tandem::layers;` leaves no ambiguity.
struct Conv2DOpOptions {
  Window2D strides = 1;
  std::string padding = "VALID";  // or "SAME"
  Window2D dilations = 1;
};

// input [batch, height, width, in_channels], filters [k_height, k_width, in_channels, out_channels]
// -> [batch, out_height, out_width, out_channels]. Floating dtypes; the 16-bit floats compute in
// float32.
Tensor conv2d(const Tensor& input, const Tensor& filters, const Conv2DOpOptions& options = {});

// What fused_conv2d applies after the bias.
enum class FusedActivation { kLinear, kRelu };

// activation(conv2d(input, filters) + bias) as one op (TensorFlow's _FusedConv2D, what its graph
// optimiser makes of Conv2D + BiasAdd + Relu; Keras's Conv2D layer calls it). The bias and the
// ReLU are applied as the convolution writes its output instead of in two more passes over it,
// and the gradient is one node: the ReLU mask from the output in one pass, the bias gradient
// summed in the filter gradient's pass. bias: undefined (none) or [out_channels] of input's dtype.
// Same values and gradients as the composed ops; differentiable to any order.
Tensor fused_conv2d(const Tensor& input, const Tensor& filters, const Tensor& bias,
                    FusedActivation activation, const Conv2DOpOptions& options = {});

// tf.nn.conv2d_transpose: the gradient of conv2d with respect to its input, used as a layer.
// input [batch, h, w, in_channels], filters [k_height, k_width, out_channels, in_channels],
// output_shape [batch, out_height, out_width, out_channels] (the shape conv2d would map back to h,
// w).
Tensor conv2d_transpose(const Tensor& input, const Tensor& filters, const Shape& output_shape,
                        const Conv2DOpOptions& options = {});

// The gradients of y = conv2d(x, filters) (tf.raw_ops.Conv2DBackpropInput / ...Filter), given
// out_backprop = dL/dy. Both are differentiable, so conv2d has higher-order gradients.
Tensor conv2d_backprop_input(const Shape& input_shape, const Tensor& filters,
                             const Tensor& out_backprop, const Conv2DOpOptions& options = {});
Tensor conv2d_backprop_filter(const Tensor& input, const Shape& filter_shape,
                              const Tensor& out_backprop, const Conv2DOpOptions& options = {});

}  // namespace tandem
