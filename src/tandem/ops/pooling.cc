#include "tandem/ops/pooling.h"

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/op_utils.h"

namespace tandem {
namespace {

using kernels::Pool2DGeometry;

Pool2DGeometry make_geometry(const char* op, const Tensor& input, const Window2D& ksize,
                             const Window2D& strides, const std::string& padding) {
  TANDEM_CHECK(input.rank() == 4, ValueError, op,
               ": expected input of rank 4 [batch, height, width, channels], received shape ",
               input.shape().to_list_string());
  ops::Window2DSize k = ops::window_2d(op, "ksize", ksize);
  ops::Window2DSize s = ops::window_2d(op, "strides", strides);
  ops::Padding p = ops::parse_padding(op, padding);
  const Shape& in = input.shape();
  ops::SpatialExtent h = ops::spatial_extent(op, "height", in[1], k.h, s.h, 1, p);
  ops::SpatialExtent w = ops::spatial_extent(op, "width", in[2], k.w, s.w, 1, p);
  return {.batch = in[0],
          .in_h = in[1],
          .in_w = in[2],
          .channels = in[3],
          .k_h = k.h,
          .k_w = k.w,
          .out_h = h.out,
          .out_w = w.out,
          .stride_h = s.h,
          .stride_w = s.w,
          .pad_top = h.pad_before,
          .pad_left = w.pad_before};
}

// Max pooling's backward pass routes dy to the recorded argmax cells; the adjoint of that routing
// is a gather from the same cells. Each records the other as its gradient.
Tensor max_pool_grad(const Tensor& dy, const Tensor& argmax, const Pool2DGeometry& g);

Tensor gather_argmax(const Tensor& x, const Tensor& argmax, const Pool2DGeometry& g) {
  Tensor y = ops::dispatch::gather_argmax(x, argmax, g);
  if (autodiff::should_record({x})) {
    autodiff::record_operation("max_pool2d_grad_grad", {x}, {y},
                               [argmax, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {max_pool_grad(d[0], argmax, g)};
                               });
  }
  return y;
}

Tensor max_pool_grad(const Tensor& dy, const Tensor& argmax, const Pool2DGeometry& g) {
  Tensor dx = ops::dispatch::max_pool2d_backprop(dy, argmax, g);
  if (autodiff::should_record({dy})) {
    autodiff::record_operation("max_pool2d_grad", {dy}, {dx},
                               [argmax, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {gather_argmax(d[0], argmax, g)};
                               });
  }
  return dx;
}

// Average pooling and its backward pass are each other's adjoints.
Tensor avg_pool_grad(const Tensor& dy, const Pool2DGeometry& g);

Tensor avg_pool(const Tensor& x, const Pool2DGeometry& g) {
  Tensor y = ops::dispatch::avg_pool2d(x, g);
  if (autodiff::should_record({x})) {
    autodiff::record_operation("avg_pool2d", {x}, {y},
                               [g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {avg_pool_grad(d[0], g)};
                               });
  }
  return y;
}

Tensor avg_pool_grad(const Tensor& dy, const Pool2DGeometry& g) {
  Tensor dx = ops::dispatch::avg_pool2d_backprop(dy, g);
  if (autodiff::should_record({dy})) {
    autodiff::record_operation(
        "avg_pool2d_grad", {dy}, {dx},
        [g](const std::vector<Tensor>& d) -> autodiff::GradList { return {avg_pool(d[0], g)}; });
  }
  return dx;
}

}  // namespace

Tensor max_pool2d(const Tensor& input, const Window2D& ksize, const Window2D& strides,
                  const std::string& padding) {
  ops::check_dtype_in("max_pool2d", input,
                      {float32, float64, float16, bfloat16, int32, int64, uint8});
  Pool2DGeometry g = make_geometry("max_pool2d", input, ksize, strides, padding);
  // The argmax is computed only for the gradient; inference (predict) skips it.
  const bool record = is_floating(input.dtype()) && autodiff::should_record({input});
  ops::dispatch::MaxPool pooled = ops::dispatch::max_pool2d(input, g, /*with_argmax=*/record);
  Tensor y = pooled.output, argmax = pooled.argmax;
  if (record) {
    autodiff::record_operation("max_pool2d", {input}, {y},
                               [argmax, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {max_pool_grad(d[0], argmax, g)};
                               });
  }
  return y;
}

Tensor avg_pool2d(const Tensor& input, const Window2D& ksize, const Window2D& strides,
                  const std::string& padding) {
  ops::check_floating("avg_pool2d", input);
  return avg_pool(input, make_geometry("avg_pool2d", input, ksize, strides, padding));
}

}  // namespace tandem
