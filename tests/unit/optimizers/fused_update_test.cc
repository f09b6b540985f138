// The fused multi-tensor update (Optimizer::set_fused_update, ops/training_ops.h) against the
// composed element-wise formulas, for every rule and option of Adam, AdamW, SGD and RMSprop,
// several variables at once over several steps; and that a step takes the multi-tensor path
// (one kernel call for all its variables) exactly when it should.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tandem/core/variable.h"
#include "tandem/layers/core/dense.h"
#include "tandem/models/sequential.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/dispatch.h"
#include "tandem/ops/math.h"
#include "tandem/optimizers/adagrad.h"
#include "tandem/optimizers/adam.h"
#include "tandem/optimizers/adamw.h"
#include "tandem/optimizers/rmsprop.h"
#include "tandem/optimizers/sgd.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using optimizers::OptimizerPtr;

// Shapes of a small model's variables plus one large enough (40000 elements) that the kernel
// splits the step into chunks that cross from one variable into the next when it has threads.
const std::vector<Shape> kShapes = {Shape{7, 5}, Shape{5}, Shape{200, 200}, Shape{3}, Shape{}};

Tensor pattern(const Shape& shape, double phase, DType dtype) {
  std::vector<double> values(static_cast<size_t>(shape.num_elements()));
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = std::sin(0.37 * static_cast<double>(i) + phase) * (1.0 + 0.01 * double(i % 97));
  return cast(Tensor::from_vector(values, shape), dtype);
}

std::vector<Variable> make_variables(DType dtype) {
  std::vector<Variable> vars;
  for (size_t k = 0; k < kShapes.size(); ++k)
    vars.emplace_back(pattern(kShapes[k], 0.5 * double(k), dtype),
                      VariableOptions{.name = "var" + std::to_string(k)});
  return vars;
}

// Runs both optimizers `steps` times on the same gradients (the second variable gets none on
// the third step) and compares every variable and every optimizer variable after each step.
void expect_fused_equals_composed(const std::function<OptimizerPtr()>& make, DType dtype,
                                  int steps = 5) {
  SCOPED_TRACE(dtype_name(dtype));
  const double tol = dtype == float64 ? 1e-12 : 2e-6;
  OptimizerPtr fused = make();
  OptimizerPtr composed = make();
  composed->set_fused_update(false);
  ASSERT_TRUE(fused->fused_update());
  std::vector<Variable> a = make_variables(dtype), b = make_variables(dtype);
  for (int step = 1; step <= steps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    std::vector<std::optional<Tensor>> grads;
    for (size_t k = 0; k < kShapes.size(); ++k) {
      if (step == 3 && k == 1) {
        grads.emplace_back(std::nullopt);
      } else {
        grads.emplace_back(pattern(kShapes[k], 1.3 * step + double(k), dtype) * (1.0 + k));
      }
    }
    fused->apply_gradients(grads, a);
    composed->apply_gradients(grads, b);
    for (size_t k = 0; k < a.size(); ++k)
      testing::expect_values(a[k].value(), b[k].value().to_vector<double>(), tol);
    std::vector<Variable> fa = fused->variables(), fb = composed->variables();
    ASSERT_EQ(fa.size(), fb.size());
    for (size_t k = 0; k < fa.size(); ++k) {
      SCOPED_TRACE(fa[k].name());
      EXPECT_EQ(fa[k].name(), fb[k].name());
      testing::expect_values(fa[k].value(), fb[k].value().to_vector<double>(), tol);
    }
  }
}

void expect_fused_equals_composed(const std::function<OptimizerPtr()>& make) {
  expect_fused_equals_composed(make, float64);
  expect_fused_equals_composed(make, float32);
}

TEST(FusedUpdate, AdamEqualsComposed) {
  using optimizers::Adam;
  expect_fused_equals_composed([] { return std::make_shared<Adam>(); });
  expect_fused_equals_composed([] {
    return std::make_shared<Adam>(optimizers::AdamOptions{
        .learning_rate = 0.05, .beta_1 = 0.8, .beta_2 = 0.9, .epsilon = 1e-3, .amsgrad = true});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<Adam>(
        optimizers::AdamOptions{.learning_rate = 0.01, .weight_decay = 0.1});
  });
}

TEST(FusedUpdate, AdamWEqualsComposed) {
  expect_fused_equals_composed([] {
    return std::make_shared<optimizers::AdamW>(
        optimizers::AdamWOptions{.learning_rate = 0.02, .amsgrad = true});
  });
}

TEST(FusedUpdate, SGDEqualsComposed) {
  using optimizers::SGD;
  expect_fused_equals_composed([] { return std::make_shared<SGD>(); });
  expect_fused_equals_composed([] {
    return std::make_shared<SGD>(optimizers::SGDOptions{.learning_rate = 0.1, .momentum = 0.9});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<SGD>(
        optimizers::SGDOptions{.learning_rate = 0.1, .momentum = 0.7, .nesterov = true});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<SGD>(
        optimizers::SGDOptions{.learning_rate = 0.1, .momentum = 0.5, .weight_decay = 0.05});
  });
}

TEST(FusedUpdate, RMSpropEqualsComposed) {
  using optimizers::RMSprop;
  using optimizers::RMSpropOptions;
  expect_fused_equals_composed([] { return std::make_shared<RMSprop>(); });
  expect_fused_equals_composed([] {
    return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .momentum = 0.9});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .centered = true});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<RMSprop>(RMSpropOptions{
        .learning_rate = 0.01, .rho = 0.8, .momentum = 0.5, .epsilon = 1e-4, .centered = true});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .weight_decay = 0.1});
  });
}

TEST(FusedUpdate, ClippingAndAccumulationFeedTheFusedRule) {
  using optimizers::Adam;
  using optimizers::AdamOptions;
  expect_fused_equals_composed(
      [] { return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01, .clipnorm = 0.5}); });
  expect_fused_equals_composed(
      [] { return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01, .clipvalue = 0.3}); });
  expect_fused_equals_composed([] {
    return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01, .global_clipnorm = 2.0});
  });
  expect_fused_equals_composed([] {
    return std::make_shared<optimizers::SGD>(optimizers::SGDOptions{
        .learning_rate = 0.1, .momentum = 0.9, .gradient_accumulation_steps = 2});
  });
}

// One apply_gradients of several variables makes exactly one fused kernel call.
int64_t calls_for_one_step(optimizers::Optimizer& optimizer, std::vector<Variable>& vars) {
  std::vector<std::optional<Tensor>> grads;
  for (const Variable& v : vars) grads.emplace_back(ones_like(v.value()));
  const int64_t before = ops::dispatch::optimizer_update_calls();
  optimizer.apply_gradients(grads, vars);
  return ops::dispatch::optimizer_update_calls() - before;
}

TEST(FusedUpdate, OneKernelCallPerStepForAllVariables) {
  std::vector<Variable> vars = make_variables(float32);
  optimizers::Adam adam;
  EXPECT_EQ(calls_for_one_step(adam, vars), 1);
  optimizers::SGD sgd;
  EXPECT_EQ(calls_for_one_step(sgd, vars), 1);
  optimizers::RMSprop rmsprop({.centered = true});
  EXPECT_EQ(calls_for_one_step(rmsprop, vars), 1);
  // The accumulation-only call updates nothing; the update call is one kernel call.
  optimizers::Adam accumulating({.gradient_accumulation_steps = 2});
  EXPECT_EQ(calls_for_one_step(accumulating, vars), 0);
  EXPECT_EQ(calls_for_one_step(accumulating, vars), 1);
}

TEST(FusedUpdate, FallsBackToTheComposedRuleWhereItHasNoKernel) {
  // float16 variables: no fused kernel, the composed rule runs (and still updates).
  std::vector<Variable> half{Variable(constant({1.0, 2.0}, float16), {.name = "h"})};
  optimizers::Adam adam({.learning_rate = 0.5});
  EXPECT_EQ(calls_for_one_step(adam, half), 0);
  EXPECT_LT(cast(half[0].value(), float32).to_vector<float>()[0], 1.0f);
  // Mixed dtypes in one step: one kernel call cannot take them.
  std::vector<Variable> mixed{Variable(constant({1.0f}), {.name = "f"}),
                              Variable(constant({1.0}, float64), {.name = "d"})};
  optimizers::SGD sgd;
  EXPECT_EQ(calls_for_one_step(sgd, mixed), 0);
  // Switched off, and an optimizer without a fused rule.
  std::vector<Variable> vars = make_variables(float32);
  optimizers::Adam off;
  off.set_fused_update(false);
  EXPECT_EQ(calls_for_one_step(off, vars), 0);
  optimizers::Adagrad adagrad;
  EXPECT_EQ(calls_for_one_step(adagrad, vars), 0);
}

TEST(FusedUpdate, TrainOnBatchTakesTheMultiTensorPath) {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<layers::Dense>(8, layers::DenseOptions{.activation = "relu"}));
  model->add(std::make_shared<layers::Dense>(3));
  model->compile({.optimizer = "adam", .loss = "sparse_categorical_crossentropy"});
  Tensor x = pattern(Shape{16, 5}, 0.0, float32);
  Tensor y = constant(std::vector<int32_t>(16, 1), Shape{16});
  model->train_on_batch({x}, {y});
  const int64_t before = ops::dispatch::optimizer_update_calls();
  for (int i = 0; i < 3; ++i) model->train_on_batch({x}, {y});
  EXPECT_EQ(ops::dispatch::optimizer_update_calls() - before,
            3);  // four variables, one call each step
}

}  // namespace
}  // namespace tandem
