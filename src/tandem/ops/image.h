// tf.image operations on image tensors ([..., height, width, channels] or any shape: the ones here
// are element-wise).
#pragma once

#include "tandem/core/tensor.h"

namespace tandem::image {

// tf.image.convert_image_dtype: converts pixel values between dtypes, rescaling them so that
// integer images span [0, MAX] of their dtype and floating images [0, 1]:
//   integer -> floating: cast, then multiply by 1 / MAX(input dtype) (uint8 -> float32 is x / 255);
//   floating -> integer: multiply by MAX(output dtype) + 0.5, then cast (clamped to the output
//     dtype's range first when `saturate`);
//   integer -> integer: scaled by the ratio of the two ranges (e.g. uint8 -> int32 multiplies by
//     2^23, int32 -> uint8 divides by it, rounding down);
//   floating -> floating: a cast. The same dtype returns `image` unchanged.
// Throws TypeError for bool or string images or targets.
Tensor convert_image_dtype(const Tensor& image, DType dtype, bool saturate = false);

}  // namespace tandem::image
