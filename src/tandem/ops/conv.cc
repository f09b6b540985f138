#include "tandem/ops/conv.h"

#include <tuple>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"

namespace tandem {
namespace {

using kernels::Conv2DGeometry;
using ops::dispatch::Family;

bool is_16bit_float(DType t) { return t == float16 || t == bfloat16; }

void check_rank4(const char* op, const char* what, const Shape& s, const char* layout) {
  TANDEM_CHECK(s.rank() == 4, ValueError, op, ": expected ", what, " of rank 4 ", layout,
               ", received shape ", s.to_list_string());
  TANDEM_CHECK(s.is_fully_defined(), ValueError, op, ": expected a fully defined ", what,
               " shape, received ", s.to_list_string());
}

// Validates a convolution of an input of shape `input` with filters of shape `filter`.
Conv2DGeometry make_geometry(const char* op, const Shape& input, const Shape& filter,
                             const Conv2DOpOptions& o) {
  check_rank4(op, "input", input, "[batch, height, width, channels]");
  check_rank4(op, "filters", filter, "[height, width, in_channels, out_channels]");
  TANDEM_CHECK(filter[0] >= 1 && filter[1] >= 1, ValueError, op,
               ": filters must have a positive height and width, received shape ",
               filter.to_list_string());
  TANDEM_CHECK(filter[2] == input[3], ShapeError, op, ": the filters expect ", filter[2],
               " input channels (filter shape ", filter.to_list_string(), ") but the input has ",
               input[3], " (input shape ", input.to_list_string(), ")");
  ops::Window2DSize stride = ops::window_2d(op, "strides", o.strides);
  ops::Window2DSize dilation = ops::window_2d(op, "dilations", o.dilations);
  ops::Padding padding = ops::parse_padding(op, o.padding);
  ops::SpatialExtent h =
      ops::spatial_extent(op, "height", input[1], filter[0], stride.h, dilation.h, padding);
  ops::SpatialExtent w =
      ops::spatial_extent(op, "width", input[2], filter[1], stride.w, dilation.w, padding);
  return {.batch = input[0],
          .in_h = input[1],
          .in_w = input[2],
          .in_c = input[3],
          .k_h = filter[0],
          .k_w = filter[1],
          .out_c = filter[3],
          .out_h = h.out,
          .out_w = w.out,
          .stride_h = stride.h,
          .stride_w = stride.w,
          .dilation_h = dilation.h,
          .dilation_w = dilation.w,
          .pad_top = h.pad_before,
          .pad_left = w.pad_before};
}

Shape output_shape(const Conv2DGeometry& g) { return ops::dispatch::conv2d_output_shape(g); }

void check_out_backprop(const char* op, const char* what, const Tensor& dy,
                        const Conv2DGeometry& g) {
  TANDEM_CHECK(dy.shape() == output_shape(g), ShapeError, op, ": expected ", what, " of shape ",
               output_shape(g).to_list_string(), " (the convolution's output shape), received ",
               dy.shape().to_list_string());
}

void check_inputs(const char* op, const Tensor& a, const Tensor& b) {
  ops::check_floating(op, a);
  ops::check_same_dtype(op, a, b);
  ops::check_same_device(op, {&a, &b});
  // Before the 16-bit floats are converted: a device without the kernel costs no casts.
  ops::dispatch::check_kernel(Family::kConv, op, a.device());
}

Tensor forward(const Tensor& x, const Tensor& w, const Conv2DGeometry& g);
Tensor backprop_input(const Tensor& w, const Tensor& dy, const Conv2DGeometry& g);
Tensor backprop_filter(const Tensor& x, const Tensor& dy, const Conv2DGeometry& g);

// The three ops are linear in each argument and each other's adjoints, so every gradient is one of
// them: that gives conv2d higher-order gradients with no extra kernels.
Tensor forward(const Tensor& x, const Tensor& w, const Conv2DGeometry& g) {
  Tensor y = ops::dispatch::conv2d(x, w, g);
  if (autodiff::should_record({x, w})) {
    autodiff::record_operation(
        "conv2d", {x, w}, {y}, [x, w, g](const std::vector<Tensor>& d) -> autodiff::GradList {
          return {autodiff::gradient_if_needed(0, [&] { return backprop_input(w, d[0], g); }),
                  autodiff::gradient_if_needed(1, [&] { return backprop_filter(x, d[0], g); })};
        });
  }
  return y;
}

Tensor backprop_input(const Tensor& w, const Tensor& dy, const Conv2DGeometry& g) {
  Tensor dx = ops::dispatch::conv2d_backprop_input(w, dy, g);
  if (autodiff::should_record({w, dy})) {
    autodiff::record_operation("conv2d_backprop_input", {w, dy}, {dx},
                               [w, dy, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {backprop_filter(d[0], dy, g), forward(d[0], w, g)};
                               });
  }
  return dx;
}

Tensor backprop_filter(const Tensor& x, const Tensor& dy, const Conv2DGeometry& g) {
  Tensor dw = ops::dispatch::conv2d_backprop_filter(x, dy, g);
  if (autodiff::should_record({x, dy})) {
    autodiff::record_operation("conv2d_backprop_filter", {x, dy}, {dw},
                               [x, dy, g](const std::vector<Tensor>& d) -> autodiff::GradList {
                                 return {backprop_input(d[0], dy, g), forward(x, d[0], g)};
                               });
  }
  return dw;
}

// The fused op's gradient: the ReLU mask in one pass, then the input's and the filters' gradients,
// the bias's in the filters' pass unless an outer tape records this backward pass (higher-order
// gradients need the differentiable ops).
autodiff::GradList fused_gradient(const Tensor& x, const Tensor& w, const Tensor& y, bool has_bias,
                                  bool relu, const Conv2DGeometry& g, const Tensor& dy) {
  const Tensor dz = relu ? relu_grad(dy, y) : dy;
  autodiff::GradList grads(has_bias ? 3 : 2);
  grads[0] = autodiff::gradient_if_needed(0, [&] { return backprop_input(w, dz, g); });
  const bool want_w = autodiff::input_gradient_needed(1);
  const bool want_b = has_bias && autodiff::input_gradient_needed(2);
  if (want_w && want_b && !autodiff::should_record({x, dz})) {
    std::tie(grads[1], grads[2]) = ops::dispatch::conv2d_backprop_filter_and_bias(x, dz, g);
    return grads;
  }
  if (want_w) grads[1] = backprop_filter(x, dz, g);
  if (want_b) grads[2] = reduce_sum(dz, {.axis = std::vector<int64_t>{0, 1, 2}});
  return grads;
}

Tensor fused_forward(const Tensor& x, const Tensor& w, const Tensor& b, bool relu,
                     const Conv2DGeometry& g) {
  Tensor y = ops::dispatch::conv2d(x, w, g, b, relu);
  const bool has_bias = b.defined();
  if (has_bias ? autodiff::should_record({x, w, b}) : autodiff::should_record({x, w})) {
    // y is kept only for the ReLU mask.
    Tensor mask = relu ? y : Tensor();
    auto backward = [x, w, mask, has_bias, relu, g](const std::vector<Tensor>& d) {
      return fused_gradient(x, w, mask, has_bias, relu, g, d[0]);
    };
    if (has_bias) {
      autodiff::record_operation("fused_conv2d", {x, w, b}, {y}, std::move(backward));
    } else {
      autodiff::record_operation("fused_conv2d", {x, w}, {y}, std::move(backward));
    }
  }
  return y;
}

}  // namespace

Tensor fused_conv2d(const Tensor& input, const Tensor& filters, const Tensor& bias,
                    FusedActivation activation, const Conv2DOpOptions& options) {
  const char* op = "fused_conv2d";
  check_inputs(op, input, filters);
  if (bias.defined()) {
    TANDEM_CHECK(bias.dtype() == input.dtype(), TypeError, op, ": expected a bias of dtype ",
                 dtype_name(input.dtype()), " like the input, received ", dtype_name(bias.dtype()));
    ops::check_same_device(op, {&input, &bias});
  }
  if (is_16bit_float(input.dtype())) {
    auto up = [](const Tensor& t) { return t.defined() ? cast(t, float32) : t; };
    return cast(fused_conv2d(up(input), up(filters), up(bias), activation, options), input.dtype());
  }
  Conv2DGeometry g = make_geometry(op, input.shape(), filters.shape(), options);
  TANDEM_CHECK(!bias.defined() || bias.shape() == Shape{g.out_c}, ShapeError, op,
               ": expected a bias of shape [", g.out_c, "] (one per output channel), received ",
               bias.shape().to_list_string());
  return fused_forward(input, filters, bias, activation == FusedActivation::kRelu, g);
}

Tensor conv2d(const Tensor& input, const Tensor& filters, const Conv2DOpOptions& options) {
  check_inputs("conv2d", input, filters);
  if (is_16bit_float(input.dtype())) {
    return cast(conv2d(cast(input, float32), cast(filters, float32), options), input.dtype());
  }
  return forward(input, filters, make_geometry("conv2d", input.shape(), filters.shape(), options));
}

Tensor conv2d_backprop_input(const Shape& input_shape, const Tensor& filters,
                             const Tensor& out_backprop, const Conv2DOpOptions& options) {
  const char* op = "conv2d_backprop_input";
  check_inputs(op, filters, out_backprop);
  if (is_16bit_float(filters.dtype())) {
    return cast(conv2d_backprop_input(input_shape, cast(filters, float32),
                                      cast(out_backprop, float32), options),
                filters.dtype());
  }
  Conv2DGeometry g = make_geometry(op, input_shape, filters.shape(), options);
  check_out_backprop(op, "out_backprop", out_backprop, g);
  return backprop_input(filters, out_backprop, g);
}

Tensor conv2d_backprop_filter(const Tensor& input, const Shape& filter_shape,
                              const Tensor& out_backprop, const Conv2DOpOptions& options) {
  const char* op = "conv2d_backprop_filter";
  check_inputs(op, input, out_backprop);
  if (is_16bit_float(input.dtype())) {
    return cast(conv2d_backprop_filter(cast(input, float32), filter_shape,
                                       cast(out_backprop, float32), options),
                input.dtype());
  }
  Conv2DGeometry g = make_geometry(op, input.shape(), filter_shape, options);
  check_out_backprop(op, "out_backprop", out_backprop, g);
  return backprop_filter(input, out_backprop, g);
}

Tensor conv2d_transpose(const Tensor& input, const Tensor& filters, const Shape& output_shape,
                        const Conv2DOpOptions& options) {
  const char* op = "conv2d_transpose";
  check_inputs(op, input, filters);
  if (is_16bit_float(input.dtype())) {
    return cast(
        conv2d_transpose(cast(input, float32), cast(filters, float32), output_shape, options),
        input.dtype());
  }
  // conv2d_transpose's filters are [h, w, out_channels, in_channels]: conv2d's layout for a
  // convolution from output_shape back to input.
  Conv2DGeometry g = make_geometry(op, output_shape, filters.shape(), options);
  check_out_backprop(op, "input", input, g);
  return backprop_input(filters, input, g);
}

}  // namespace tandem
