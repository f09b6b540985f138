#include "tandem/ops/cross_entropy.h"

#include <numeric>

#include "tandem/autodiff/gradient_tape.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/ops/op_utils.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"

namespace tandem {
namespace {

const ReduceOptions kLastAxisKeep{.axis = std::vector<int64_t>{-1}, .keepdims = true};

// log_softmax over the last axis from differentiable ops. The fused kernels' saved results are
// constants to the tape, so a backward pass that an outer tape differentiates is rebuilt from this.
Tensor log_softmax_last(const Tensor& logits) {
  Tensor shifted = logits - stop_gradient(reduce_max(logits, kLastAxisKeep));
  return shifted - log(reduce_sum(exp(shifted), kLastAxisKeep));
}

void check_logits(const char* op, const Tensor& logits) {
  ops::check_defined(op, logits, "logits");
  TANDEM_CHECK(is_floating(logits.dtype()), TypeError, op,
               ": expected floating-point logits (float16, bfloat16, float32, float64), received ",
               dtype_name(logits.dtype()));
  // Before labels are read on the host or converted.
  ops::dispatch::check_kernel(ops::dispatch::Family::kCrossEntropy, op, logits.device());
}

// Dense labels: the logits' dtype, device and shape.
void check_dense_labels(const char* op, const Tensor& labels, const Tensor& logits) {
  check_logits(op, logits);
  ops::check_defined(op, labels, "labels");
  TANDEM_CHECK(labels.dtype() == logits.dtype(), TypeError, op,
               ": expected labels to have the logits' dtype ", dtype_name(logits.dtype()),
               ", received ", dtype_name(labels.dtype()));
  ops::check_same_device(op, {&logits, &labels});
  TANDEM_CHECK(labels.shape() == logits.shape(), ShapeError, op,
               ": logits and labels must have the same shape, received logits ",
               logits.shape().to_list_string(), " and labels ", labels.shape().to_list_string());
}

Shape without_last(const Shape& s) {
  return Shape(std::vector<int64_t>(s.dims().begin(), s.dims().end() - 1));
}

Tensor softmax_xent_last_axis(const Tensor& labels, const Tensor& logits) {
  ops::dispatch::SoftmaxCrossEntropy xent = ops::dispatch::softmax_cross_entropy(logits, labels);
  Tensor loss = xent.loss, backprop = xent.backprop, lse = xent.logsumexp;
  if (!autodiff::should_record({labels, logits})) return loss;
  const bool labels_need_grad = autodiff::should_record({labels});
  autodiff::record_operation(
      "softmax_cross_entropy_with_logits", {labels, logits}, {loss},
      [labels, logits, backprop, lse, labels_need_grad](const std::vector<Tensor>& d) {
        Tensor dy = expand_dims(d[0], -1);
        autodiff::GradList grads(2);
        if (autodiff::should_record({labels, logits, d[0]})) {
          Tensor log_sm = log_softmax_last(logits);
          Tensor label_sum = reduce_sum(labels, kLastAxisKeep);
          if (labels_need_grad) grads[0] = negative(dy * log_sm);
          grads[1] = dy * (exp(log_sm) * label_sum - labels);
          return grads;
        }
        // -log_softmax = lse - logits, from the forward pass's saved logsumexp.
        if (labels_need_grad) grads[0] = dy * (expand_dims(lse, -1) - logits);
        grads[1] = backprop * dy;
        return grads;
      });
  return loss;
}

}  // namespace

Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int64_t axis) {
  const char* op = "softmax_cross_entropy_with_logits";
  check_dense_labels(op, labels, logits);
  TANDEM_CHECK(logits.rank() >= 1, ValueError, op,
               ": expected logits of rank >= 1, received a scalar");
  const int ax = ops::normalize_axis(op, axis, logits.rank());
  if (ax == logits.rank() - 1) return softmax_xent_last_axis(labels, logits);
  // Move the class axis last, keeping the other axes in order (the loss's axes).
  std::vector<int64_t> perm;
  for (int d = 0; d < logits.rank(); ++d)
    if (d != ax) perm.push_back(d);
  perm.push_back(ax);
  return softmax_xent_last_axis(transpose(labels, perm), transpose(logits, perm));
}

namespace {

template <class L>
void check_label_range(const char* op, const L* labels, int64_t n, int64_t classes) {
  for (int64_t i = 0; i < n; ++i) {
    TANDEM_CHECK(labels[i] >= 0 && labels[i] < classes, ValueError, op,
                 ": received a label value of ", static_cast<int64_t>(labels[i]), " (at index ", i,
                 ") which is outside the valid range of [0, ", classes, ")");
  }
}

}  // namespace

Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* op = "sparse_softmax_cross_entropy_with_logits";
  check_logits(op, logits);
  ops::check_defined(op, labels, "labels");
  TANDEM_CHECK(labels.dtype() == int32 || labels.dtype() == int64, TypeError, op,
               ": expected int32 or int64 labels (class indices), received ",
               dtype_name(labels.dtype()));
  ops::check_same_device(op, {&logits, &labels});
  TANDEM_CHECK(logits.rank() >= 1, ValueError, op,
               ": expected logits of rank >= 1, received a scalar");
  const Shape loss_shape = without_last(logits.shape());
  TANDEM_CHECK(labels.shape() == loss_shape, ShapeError, op, ": expected labels of shape ",
               loss_shape.to_list_string(), " (the logits' shape ", logits.shape().to_list_string(),
               " without the class dimension), received ", labels.shape().to_list_string());
  const int64_t classes = logits.shape().dim(-1), rows = loss_shape.num_elements();
  if (labels.dtype() == int32) {
    check_label_range(op, labels.data<int32_t>(), rows, classes);
  } else {
    check_label_range(op, labels.data<int64_t>(), rows, classes);
  }
  std::pair<Tensor, Tensor> xent = ops::dispatch::sparse_softmax_cross_entropy(logits, labels);
  Tensor loss = xent.first, backprop = xent.second;
  if (!autodiff::should_record({logits})) return loss;
  autodiff::record_operation(
      op, {logits}, {loss},
      [labels, logits, backprop, classes](const std::vector<Tensor>& d) -> autodiff::GradList {
        Tensor dy = expand_dims(d[0], -1);
        if (autodiff::should_record({logits, d[0]})) {
          Tensor target = one_hot(labels, classes, {.dtype = logits.dtype()});
          return {dy * (exp(log_softmax_last(logits)) - target)};
        }
        return {backprop * dy};
      });
  return loss;
}

Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* op = "sigmoid_cross_entropy_with_logits";
  check_dense_labels(op, labels, logits);
  std::pair<Tensor, Tensor> xent = ops::dispatch::sigmoid_cross_entropy(logits, labels);
  Tensor loss = xent.first, sig = xent.second;
  if (!autodiff::should_record({labels, logits})) return loss;
  const bool labels_need_grad = autodiff::should_record({labels});
  autodiff::record_operation(op, {labels, logits}, {loss},
                             [labels, logits, sig, labels_need_grad](const std::vector<Tensor>& d) {
                               const Tensor& dy = d[0];
                               const bool rebuild = autodiff::should_record({labels, logits, dy});
                               autodiff::GradList grads(2);
                               if (labels_need_grad) grads[0] = negative(logits * dy);
                               grads[1] = ((rebuild ? sigmoid(logits) : sig) - labels) * dy;
                               return grads;
                             });
  return loss;
}

}  // namespace tandem
