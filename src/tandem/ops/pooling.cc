#include "tandem/ops/pooling.h"

#include "kernels/cpu/pool.h"
#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/op_utils.h"

namespace tandem {
namespace {

using kernels::cpu::Pool2DGeometry;

Pool2DGeometry make_geometry(const char* op, const Tensor& input, const Window2D& ksize,
                             const Window2D& strides, const std::string& padding) {
  TANDEM_CHECK(input.rank() == 4, ValueError, op,
               ": expected input of rank 4 [batch, height, width, channels], received shape ",
               input.shape().to_list_string());
  TANDEM_CHECK(input.device().is_cpu(), ValueError, op, ": the CUDA kernel is not built yet");
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

Shape input_shape(const Pool2DGeometry& g) { return {g.batch, g.in_h, g.in_w, g.channels}; }
Shape output_shape(const Pool2DGeometry& g) { return {g.batch, g.out_h, g.out_w, g.channels}; }

// Max pooling's backward pass routes dy to the recorded argmax cells; the adjoint of that routing
// is a gather from the same cells. Each records the other as its gradient.
Tensor max_pool_grad(const Tensor& dy, const Tensor& argmax, const Pool2DGeometry& g);

Tensor gather_argmax(const Tensor& x, const Tensor& argmax, const Pool2DGeometry& g) {
  Tensor y = Tensor::empty(output_shape(g), x.dtype(), x.device());
  kernels::cpu::gather_argmax(ops::kt(x.dtype()), y.num_elements(), x.raw_data(),
                              argmax.data<int64_t>(), ops::mutable_data(y));
  if (autodiff::should_record({x})) {
    autodiff::record_operation("max_pool2d_grad_grad", {x}, {y},
                               [argmax, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {max_pool_grad(d[0], argmax, g)};
                               });
  }
  return y;
}

Tensor max_pool_grad(const Tensor& dy, const Tensor& argmax, const Pool2DGeometry& g) {
  Tensor dx = Tensor::empty(input_shape(g), dy.dtype(), dy.device());
  kernels::cpu::max_pool2d_backprop(ops::kt(dy.dtype()), g, dy.raw_data(), argmax.data<int64_t>(),
                                    ops::mutable_data(dx));
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
  Tensor y = Tensor::empty(output_shape(g), x.dtype(), x.device());
  kernels::cpu::avg_pool2d(ops::kt(x.dtype()), g, x.raw_data(), ops::mutable_data(y));
  if (autodiff::should_record({x})) {
    autodiff::record_operation("avg_pool2d", {x}, {y},
                               [g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {avg_pool_grad(d[0], g)};
                               });
  }
  return y;
}

Tensor avg_pool_grad(const Tensor& dy, const Pool2DGeometry& g) {
  Tensor dx = Tensor::empty(input_shape(g), dy.dtype(), dy.device());
  kernels::cpu::avg_pool2d_backprop(ops::kt(dy.dtype()), g, dy.raw_data(), ops::mutable_data(dx));
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
  Tensor y = Tensor::empty(output_shape(g), input.dtype(), input.device());
  Tensor argmax = Tensor::empty(output_shape(g), int64, input.device());
  kernels::cpu::max_pool2d(ops::kt(input.dtype()), g, input.raw_data(), ops::mutable_data(y),
                           ops::mutable_data<int64_t>(argmax));
  if (is_floating(input.dtype()) && autodiff::should_record({input})) {
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
