// A user-written custom op as Kokkos kernels: row-wise L2 normalisation, y[i, :] = x[i, :] / |x[i,
// :]|, with its backward pass also a Kokkos kernel, made differentiable with
// tandem::custom_gradient. The kernels run on whatever host backend Kokkos was built with (Serial,
// OpenMP, Threads).
//
//   build/examples/kokkos_custom_op
#include <Kokkos_Core.hpp>
#include <cmath>
#include <iostream>

#include "tandem/kokkos/view.h"
#include "tandem/tandem.h"

namespace {

using tandem::Tensor;
using HostPolicy = Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>;

constexpr double kEpsilon = 1e-12;  // keeps an all-zero row finite

// Forward: y and the row norms (kept for the backward pass).
template <class T>
void normalize_rows(const Tensor& x, Tensor& y, Tensor& norms) {
  auto xv = x.as_view<T, 2>();
  auto yv = tandem::as_mutable_view<T, 2>(y);
  auto nv = tandem::as_mutable_view<T, 1>(norms);
  const int cols = static_cast<int>(xv.extent(1));
  Kokkos::parallel_for(
      "l2_normalize_rows", HostPolicy(0, static_cast<int>(xv.extent(0))),
      KOKKOS_LAMBDA(const int i) {
        T sum = 0;
        for (int j = 0; j < cols; ++j) sum += xv(i, j) * xv(i, j);
        T norm = std::sqrt(sum + static_cast<T>(kEpsilon));
        nv(i) = norm;
        for (int j = 0; j < cols; ++j) yv(i, j) = xv(i, j) / norm;
      });
}

// Backward: dx[i, :] = (dy[i, :] - y[i, :] * <dy[i, :], y[i, :]>) / norm[i].
template <class T>
void normalize_rows_grad(const Tensor& y, const Tensor& norms, const Tensor& dy, Tensor& dx) {
  auto yv = y.as_view<T, 2>();
  auto nv = norms.as_view<T, 1>();
  auto dyv = dy.as_view<T, 2>();
  auto dxv = tandem::as_mutable_view<T, 2>(dx);
  const int cols = static_cast<int>(yv.extent(1));
  Kokkos::parallel_for(
      "l2_normalize_rows_grad", HostPolicy(0, static_cast<int>(yv.extent(0))),
      KOKKOS_LAMBDA(const int i) {
        T dot = 0;
        for (int j = 0; j < cols; ++j) dot += dyv(i, j) * yv(i, j);
        for (int j = 0; j < cols; ++j) dxv(i, j) = (dyv(i, j) - yv(i, j) * dot) / nv(i);
      });
}

template <class T>
tandem::CustomGradientResult l2_normalize_rows_typed(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape(), x.dtype(), tandem::Device::cpu());
  Tensor norms = Tensor::empty({x.shape()[0]}, x.dtype(), tandem::Device::cpu());
  normalize_rows<T>(x, y, norms);
  // The backward kernel is first-order only; a backward written in Tandem ops would itself be
  // differentiable (higher-order gradients).
  auto grad = [y, norms](const Tensor& dy) {
    Tensor dx = Tensor::empty(y.shape(), y.dtype(), tandem::Device::cpu());
    normalize_rows_grad<T>(y, norms, dy.cpu(), dx);
    return std::vector<Tensor>{dx};
  };
  return {y, grad};
}

Tensor l2_normalize_rows(const Tensor& x) {
  static const auto op = tandem::custom_gradient([](const std::vector<Tensor>& in) {
    const Tensor& x = in[0];
    TANDEM_CHECK(x.rank() == 2, tandem::ShapeError,
                 "l2_normalize_rows: expected a matrix, received shape ", x.shape().to_string());
    if (x.dtype() == tandem::float64) return l2_normalize_rows_typed<double>(x.cpu());
    return l2_normalize_rows_typed<float>(x.cpu());
  });
  return op({x});
}

}  // namespace

int main(int argc, char* argv[]) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  tandem::Variable x(tandem::constant({{3.f, 4.f}, {1.f, 0.f}, {-2.f, 2.f}}), {.name = "x"});

  tandem::GradientTape tape;
  Tensor y = l2_normalize_rows(x);
  // Pull every row toward the unit vector (1, 0).
  Tensor loss = tandem::reduce_sum(y * tandem::constant({1.f, 0.f}));
  auto grads = tape.gradient(loss, std::vector<tandem::Variable>{x});

  std::cout << "Kokkos execution space: " << Kokkos::DefaultHostExecutionSpace::name() << "\n";
  std::cout << "x = " << x.value() << "\n";
  std::cout << "l2_normalize_rows(x) = " << y << "\n";
  std::cout << "d loss / d x = " << *grads[0] << "\n";
  return 0;
}
