// 2-D pooling over NHWC images (tf.nn.max_pool2d, tf.nn.avg_pool2d).
#pragma once

#include <string>

#include "tandem/core/tensor.h"
#include "tandem/ops/window.h"

namespace tandem {

// The maximum of each ksize window, moved by strides; padding "SAME" or "VALID". The gradient goes
// to the first maximum of each window. Numeric dtypes (gradients for floating ones).
Tensor max_pool2d(const Tensor& input, const Window2D& ksize, const Window2D& strides,
                  const std::string& padding);

// The mean of each window; with "SAME" padding the padded cells are left out of the mean, as in
// TensorFlow. Floating dtypes.
Tensor avg_pool2d(const Tensor& input, const Window2D& ksize, const Window2D& strides,
                  const std::string& padding);

}  // namespace tandem
