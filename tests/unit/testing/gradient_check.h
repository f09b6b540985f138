// Numeric gradient checks for tests: compares GradientTape gradients with central differences in
// float64. The scalar checked is sum(f(inputs) * w) for fixed pseudo-random weights w, so every
// output element contributes with a different weight (a whole vector-Jacobian product is checked).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "tandem/tandem.h"
#include "testing/assertions.h"

namespace tandem::testing {

inline Tensor weights_like(const Tensor& y) {
  std::vector<double> w(static_cast<size_t>(y.num_elements()));
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = 0.5 + std::fmod(0.37 * static_cast<double>(i + 1), 1.0);
  return Tensor::from_vector(w, y.shape());
}

inline double weighted_sum(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                           const std::vector<Tensor>& inputs) {
  Tensor y = f(inputs);
  return reduce_sum(multiply(cast(y, float64), weights_like(y))).item<double>();
}

// Checks d sum(f(x) * w) / dx_k for every float64 input x_k.
inline void check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                            const std::vector<Tensor>& inputs, double eps = 1e-6,
                            double tol = 1e-5) {
  std::vector<Tensor> sources;
  std::vector<std::optional<Tensor>> analytic;
  {
    GradientTape tape;
    for (const Tensor& x : inputs) tape.watch(x);
    Tensor y = f(inputs);
    Tensor target = reduce_sum(multiply(cast(y, float64), weights_like(y)));
    analytic = tape.gradient(target, inputs);
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].dtype() != float64) continue;
    ASSERT_TRUE(analytic[k].has_value()) << "no gradient for input " << k;
    std::vector<double> base = inputs[k].to_vector<double>();
    std::vector<double> got = analytic[k]->to_vector<double>();
    ASSERT_EQ(got.size(), base.size());
    for (size_t i = 0; i < base.size(); ++i) {
      std::vector<Tensor> plus = inputs, minus = inputs;
      std::vector<double> vp = base, vm = base;
      vp[i] += eps;
      vm[i] -= eps;
      plus[k] = Tensor::from_vector(vp, inputs[k].shape());
      minus[k] = Tensor::from_vector(vm, inputs[k].shape());
      double numeric = (weighted_sum(f, plus) - weighted_sum(f, minus)) / (2 * eps);
      EXPECT_NEAR(got[i], numeric, tol * std::max(1.0, std::abs(numeric)))
          << "input " << k << " element " << i;
    }
  }
}

}  // namespace tandem::testing
