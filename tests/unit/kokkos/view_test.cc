#include "tandem/kokkos/view.h"

#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cmath>
#include <functional>

#include "testing/gradient_check.h"

namespace tandem {
namespace {

using testing::expect_values;

class KokkosEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { Kokkos::initialize(); }
  void TearDown() override { Kokkos::finalize(); }
};
::testing::Environment* const kKokkos = ::testing::AddGlobalTestEnvironment(new KokkosEnvironment);

using testing::expect_error;

TEST(KokkosView, ReadsTensorDataRowMajor) {
  Tensor x = constant({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  auto v = x.as_view<float, 2>();
  static_assert(std::is_same_v<decltype(v)::value_type, const float>, "as_view is read-only");
  static_assert(std::is_same_v<decltype(v)::array_layout, Kokkos::LayoutRight>);
  ASSERT_EQ(v.extent(0), 2u);
  ASSERT_EQ(v.extent(1), 3u);
  EXPECT_EQ(v(0, 0), 1.f);
  EXPECT_EQ(v(0, 2), 3.f);
  EXPECT_EQ(v(1, 0), 4.f);
  EXPECT_EQ(v(1, 2), 6.f);
  EXPECT_EQ(v.data(), x.data<float>()) << "no copy";
}

TEST(KokkosView, OtherRanksAndDtypes) {
  Tensor s = constant(2.5, float64);
  auto sv = s.as_view<double, 0>();
  EXPECT_EQ(sv(), 2.5);
  Tensor t = reshape(range(24, int64), {2, 3, 4});
  auto v = t.as_view<int64_t, 3>();
  EXPECT_EQ(v(1, 2, 3), 23);
  EXPECT_EQ(v(1, 0, 1), 13);
  Tensor b = constant({true, false});
  auto bv = b.as_view<bool, 1>();
  EXPECT_TRUE(bv(0));
  EXPECT_FALSE(bv(1));
  Tensor h = cast(constant({1.5f}), float16);
  auto hv = h.as_view<Half, 1>();
  EXPECT_EQ(static_cast<float>(hv(0)), 1.5f);
}

TEST(KokkosView, ViewOfAReshapedTensorSharesItsData) {
  Tensor x = range(6, float32);
  Tensor m = reshape(x, {3, 2});
  auto v = m.as_view<float, 2>();
  EXPECT_EQ(v(2, 1), 5.f);
  EXPECT_EQ(v.data(), x.data<float>());
}

TEST(KokkosView, Errors) {
  Tensor x = constant({1.f, 2.f});
  expect_error<TypeError>([&] { x.as_view<double, 1>(); },
                          "as_view<float64, 1>: the tensor has dtype float32");
  expect_error<ShapeError>([&] { x.as_view<float, 2>(); },
                           "as_view<float32, 2>: expected a tensor of rank 2, received shape (2,)");
  expect_error<ValueError>([] { Tensor().as_view<float, 1>(); }, "the tensor is undefined");
  Tensor out = Tensor::empty({2}, float32, Device::cpu());
  Tensor alias = reshape(out, {1, 2});
  expect_error<ValueError>([&] { as_mutable_view<float, 1>(out); },
                           "as_mutable_view<float32, 1>: the tensor's data is shared");
  Tensor copy_of_handle = x;
  expect_error<ValueError>([&] { as_mutable_view<float, 1>(x); }, "is shared");
}

TEST(KokkosView, MutableViewWritesIntoAFreshOutput) {
  Tensor out = Tensor::empty({2, 3}, float32, Device::cpu());
  auto w = as_mutable_view<float, 2>(out);
  Kokkos::parallel_for(
      Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, 2), KOKKOS_LAMBDA(const int i) {
        for (int j = 0; j < 3; ++j) w(i, j) = static_cast<float>(10 * i + j);
      });
  expect_values(out, {0, 1, 2, 10, 11, 12});
}

TEST(KokkosView, UpdateVariableKeepsEarlierSnapshots) {
  Variable v(constant({1.0, 2.0, 3.0}, float64), {.name = "v"});
  Tensor before = v.value();
  update_with_view<double, 1>(v, [](auto view) {
    for (size_t i = 0; i < view.extent(0); ++i) view(i) *= 10;
  });
  expect_values(v.value(), {10, 20, 30});
  expect_values(before, {1, 2, 3});
  expect_error<TypeError>([&] { update_with_view<float, 1>(v, [](auto) {}); }, "dtype float64");
}

// ---- a custom op written with Kokkos: scaled softplus, y = scale * log(1 + exp(x)) ----

template <class T>
void scaled_softplus_kernel(const Tensor& x, Tensor& y, T scale) {
  auto xv = x.as_view<T, 1>();
  auto yv = as_mutable_view<T, 1>(y);
  Kokkos::parallel_for(
      Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, static_cast<int>(xv.extent(0))),
      KOKKOS_LAMBDA(const int i) {
        T v = xv(i);
        // Stable form: max(v, 0) + log1p(exp(-|v|)).
        yv(i) = scale * (std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v))));
      });
}

Tensor scaled_softplus(const Tensor& x, double scale) {
  auto op = custom_gradient([scale](const std::vector<Tensor>& in) {
    Tensor flat = reshape(in[0], {in[0].num_elements()});
    Tensor y = Tensor::empty(flat.shape(), flat.dtype(), Device::cpu());
    if (flat.dtype() == float64)
      scaled_softplus_kernel<double>(flat, y, scale);
    else
      scaled_softplus_kernel<float>(flat, y, static_cast<float>(scale));
    Tensor x0 = in[0];
    // d/dx scale * softplus(x) = scale * sigmoid(x); written in Tandem ops, so differentiable
    // again.
    auto grad = [x0, scale](const Tensor& dy) {
      return std::vector<Tensor>{dy * (sigmoid(x0) * scale)};
    };
    return CustomGradientResult{reshape(y, in[0].shape()), grad};
  });
  return op({x});
}

TEST(KokkosCustomOp, ScaledSoftplusValues) {
  Tensor x = constant({{-30.0, -1.0}, {0.0, 2.0}}, float64);
  Tensor y = scaled_softplus(x, 3.0);
  EXPECT_EQ(y.shape(), x.shape());
  expect_values(y,
                {3 * std::log1p(std::exp(-30.0)), 3 * std::log1p(std::exp(-1.0)), 3 * std::log(2.0),
                 3 * std::log1p(std::exp(2.0))},
                1e-12);
  Tensor big = scaled_softplus(constant({100.f}), 0.5);
  EXPECT_FLOAT_EQ(big.item<float>(), 50.f) << "no overflow in exp";
}

TEST(KokkosCustomOp, ScaledSoftplusGradient) {
  testing::check_gradients(
      [](const std::vector<Tensor>& in) { return scaled_softplus(in[0], 1.7); },
      {constant({{-2.0, -0.5, 0.0}, {0.3, 1.0, 4.0}}, float64)});
  // Through a Variable in float32, as a training step would use it.
  Variable w(constant({0.f, 1.f}), {.name = "w"});
  GradientTape tape;
  Tensor loss = reduce_sum(scaled_softplus(w, 2.0));
  auto g = tape.gradient(loss, std::vector<Variable>{w});
  ASSERT_TRUE(g[0].has_value());
  expect_values(*g[0], {2 * 0.5, 2 / (1 + std::exp(-1.0))}, 1e-6);
}

TEST(KokkosCustomOp, SecondOrderGradientThroughTheCustomGradient) {
  Tensor x = constant(0.5, float64);
  GradientTape outer;
  outer.watch(x);
  Tensor dydx;
  {
    GradientTape inner;
    inner.watch(x);
    Tensor y = scaled_softplus(x, 2.0);
    dydx = *inner.gradient(y, x);
  }
  double s = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR(dydx.item<double>(), 2 * s, 1e-12);
  EXPECT_NEAR(outer.gradient(dydx, x)->item<double>(), 2 * s * (1 - s), 1e-12);
}

// ---- row-wise L2 normalisation (the op of examples/kokkos_custom_op.cc), forward and backward
// both Kokkos kernels ----

template <class T>
CustomGradientResult l2_normalize_rows_typed(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape(), x.dtype(), Device::cpu());
  Tensor norms = Tensor::empty({x.shape()[0]}, x.dtype(), Device::cpu());
  {
    auto xv = x.as_view<T, 2>();
    auto yv = as_mutable_view<T, 2>(y);
    auto nv = as_mutable_view<T, 1>(norms);
    const int cols = static_cast<int>(xv.extent(1));
    Kokkos::parallel_for(
        Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, static_cast<int>(xv.extent(0))),
        KOKKOS_LAMBDA(const int i) {
          T sum = 0;
          for (int j = 0; j < cols; ++j) sum += xv(i, j) * xv(i, j);
          nv(i) = std::sqrt(sum);
          for (int j = 0; j < cols; ++j) yv(i, j) = xv(i, j) / nv(i);
        });
  }
  auto grad = [y, norms](const Tensor& dy) {
    Tensor dx = Tensor::empty(y.shape(), y.dtype(), Device::cpu());
    auto yv = y.as_view<T, 2>();
    auto nv = norms.as_view<T, 1>();
    Tensor dy_host = dy.cpu();
    auto dyv = dy_host.as_view<T, 2>();
    auto dxv = as_mutable_view<T, 2>(dx);
    const int cols = static_cast<int>(yv.extent(1));
    Kokkos::parallel_for(
        Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, static_cast<int>(yv.extent(0))),
        KOKKOS_LAMBDA(const int i) {
          T dot = 0;
          for (int j = 0; j < cols; ++j) dot += dyv(i, j) * yv(i, j);
          for (int j = 0; j < cols; ++j) dxv(i, j) = (dyv(i, j) - yv(i, j) * dot) / nv(i);
        });
    return std::vector<Tensor>{dx};
  };
  return {y, grad};
}

Tensor l2_normalize_rows(const Tensor& x) {
  static const auto op = custom_gradient([](const std::vector<Tensor>& in) {
    if (in[0].dtype() == float64) return l2_normalize_rows_typed<double>(in[0]);
    return l2_normalize_rows_typed<float>(in[0]);
  });
  return op({x});
}

TEST(KokkosCustomOp, L2NormalizeRows) {
  Tensor x = constant({{3.0, 4.0}, {-1.0, 0.0}, {1.0, 1.0}}, float64);
  double r = 1 / std::sqrt(2.0);
  expect_values(l2_normalize_rows(x), {0.6, 0.8, -1, 0, r, r}, 1e-12);
  expect_values(l2_normalize_rows(constant({{0.f, 2.f}})), {0, 1});
  testing::check_gradients([](const std::vector<Tensor>& in) { return l2_normalize_rows(in[0]); },
                           {constant({{3.0, 4.0, -1.0}, {0.5, -2.0, 1.5}}, float64)});
}

}  // namespace
}  // namespace tandem
