#include "tandem/ops/image.h"

#include <cstdint>
#include <limits>

#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"

namespace tandem::image {
namespace {

// MAX of an integer dtype, plus one, as TensorFlow scales by it (fits in uint64 for int64).
uint64_t range_of(DType t) {
  switch (t) {
    case DType::kUInt8:
      return uint64_t{1} << 8;
    case DType::kInt32:
      return uint64_t{1} << 31;
    default:
      return uint64_t{1} << 63;  // int64
  }
}

double max_of(DType t) { return static_cast<double>(range_of(t) - 1); }

void check_pixel_dtype(const char* what, DType t) {
  TANDEM_CHECK(is_integer(t) || is_floating(t), TypeError, "convert_image_dtype: ", what,
               " must be an integer or floating dtype, received ", dtype_name(t));
}

// integer -> floating: one output tensor, cast into it and scaled in place (the common
// normalisation of uint8 pixels; two ops and a temporary would cost twice as much per image).
Tensor int_to_float(const Tensor& image, DType dtype) {
  MutableTensor out = MutableTensor::take_unshared(ops::dispatch::cast(image, dtype));
  Tensor scale = ops::scalar_like(1.0 / max_of(image.dtype()), out.view());
  ops::dispatch::binary_into("convert_image_dtype", kernels::BinaryOp::kMul, out.view(), scale,
                             out);
  return std::move(out).freeze();
}

Tensor float_to_int(const Tensor& image, DType dtype, bool saturate) {
  Tensor scaled = image * (max_of(dtype) + 0.5);
  if (saturate) {
    double lo = dtype == DType::kUInt8 ? 0.0 : -max_of(dtype) - 1.0;
    scaled = clip_by_value(scaled, lo, max_of(dtype));
  }
  return cast(scaled, dtype);
}

Tensor int_to_int(const Tensor& image, DType dtype) {
  uint64_t in = range_of(image.dtype()), out = range_of(dtype);
  if (in > out) {  // fewer levels: integer division, then the narrower dtype
    return cast(floordiv(image, ops::scalar_like(static_cast<double>(in / out), image)), dtype);
  }
  Tensor wide = cast(image, dtype);
  return wide * ops::scalar_like(static_cast<double>(out / in), wide);
}

}  // namespace

Tensor convert_image_dtype(const Tensor& image, DType dtype, bool saturate) {
  check_pixel_dtype("the image's dtype", image.dtype());
  check_pixel_dtype("the target dtype", dtype);
  if (image.dtype() == dtype) return image;
  bool from_int = is_integer(image.dtype()), to_int = is_integer(dtype);
  if (from_int && !to_int) return int_to_float(image, dtype);
  if (!from_int && to_int) return float_to_int(image, dtype, saturate);
  if (from_int) return int_to_int(image, dtype);
  return cast(image, dtype);
}

}  // namespace tandem::image
