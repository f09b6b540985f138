// Shared harness for the optimizer tests: runs an optimizer for several steps on a small variable
// with varying gradients, in float32 and float64, and compares every step with a float64
// reference update written as plain loops in the test.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "tandem/core/variable.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/math.h"
#include "tandem/optimizers/optimizer.h"
#include "testing/assertions.h"

namespace tandem::testing {

using Values = std::vector<double>;
// One reference step: updates w (and the reference's own state) given the gradient and the
// 1-based step number.
using ReferenceStep = std::function<void(Values& w, const Values& g, int step)>;

inline Values initial_weights() { return {0.5, -1.2, 2.0, 0.05}; }

// Gradients that change sign and size from step to step and element to element.
inline Values gradient_at(int step, const Values& w) {
  Values g(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    g[i] =
        std::sin(1.3 * step + 0.9 * static_cast<double>(i)) * (1.0 + 0.5 * static_cast<double>(i)) +
        0.1 * w[i];
  }
  return g;
}

// Runs make_optimizer() for `steps` steps in `dtype` and a fresh reference (make_reference()) in
// float64 and compares after every step. The gradient depends on the reference weights, as in
// training.
inline void expect_matches_reference(
    const std::function<optimizers::OptimizerPtr()>& make_optimizer,
    const std::function<ReferenceStep()>& make_reference, DType dtype, double tol, int steps = 6) {
  SCOPED_TRACE(dtype_name(dtype));
  optimizers::OptimizerPtr optimizer = make_optimizer();
  ReferenceStep reference = make_reference();
  Values w = initial_weights();
  Variable var(Tensor::from_vector(w, Shape{4}), {.name = "w", .dtype = dtype});
  for (int step = 1; step <= steps; ++step) {
    SCOPED_TRACE(step);
    Values g = gradient_at(step, w);
    // The optimizer sees the same gradient as the reference (computed from the reference
    // weights), so differences do not compound through the gradient.
    Tensor grad = cast(Tensor::from_vector(g, Shape{4}), dtype);
    optimizer->apply_gradients({{grad, var}});
    reference(w, g, step);
    expect_values(var.value(), w, tol);
  }
  EXPECT_EQ(optimizer->iterations().item<int64_t>(), steps);
}

// Both dtypes: float64 tightly, float32 to single precision.
inline void expect_matches_reference(
    const std::function<optimizers::OptimizerPtr()>& make_optimizer,
    const std::function<ReferenceStep()>& make_reference, int steps = 6) {
  expect_matches_reference(make_optimizer, make_reference, float64, 1e-12, steps);
  expect_matches_reference(make_optimizer, make_reference, float32, 2e-5, steps);
}

// The names of an optimizer's variables (iteration first, then slots in creation order).
inline std::vector<std::string> variable_names(const optimizers::Optimizer& optimizer) {
  std::vector<std::string> names;
  for (const Variable& v : optimizer.variables()) names.push_back(v.name());
  return names;
}

}  // namespace tandem::testing
