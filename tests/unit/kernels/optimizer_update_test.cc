// The multi-tensor update kernel: one call over many variables, split into chunks that cross from
// one variable into the next, equals the same rule applied to each variable on its own on one
// thread, element for element, for every rule and flag.
#include "kernels/cpu/optimizer_update.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace tandem::kernels {
namespace {

// Variables of sizes from 1 element to above the parallel threshold, with their gradients and
// three slots each.
struct Buffers {
  std::vector<std::vector<float>> var, grad, slot0, slot1, slot2;
  explicit Buffers(const std::vector<int64_t>& sizes) {
    for (size_t k = 0; k < sizes.size(); ++k) {
      auto fill = [&](double phase, bool positive) {
        std::vector<float> v(static_cast<size_t>(sizes[k]));
        for (size_t i = 0; i < v.size(); ++i) {
          double x = std::sin(0.7 * double(i) + phase + double(k));
          v[i] = static_cast<float>(positive ? x * x + 1.0 : 0.1 * x);
        }
        return v;
      };
      var.push_back(fill(0.1, false));
      grad.push_back(fill(0.2, false));
      slot0.push_back(fill(0.3, false));
      slot1.push_back(fill(0.4, true));  // a second moment or velocity: positive
      slot2.push_back(fill(0.5, false));
    }
  }
  std::vector<UpdateTensor> tensors(const OptimizerUpdate& u, size_t first, size_t last) {
    // The positive buffer goes where the rule takes a square root of it: Adam's v (second slot),
    // RMSprop's velocity (first slot). The others are small, so RMSprop's centered denominator
    // velocity - average^2 + epsilon stays positive.
    const bool rms = u.rule == UpdateRule::kRMSprop;
    std::vector<UpdateTensor> out;
    for (size_t k = first; k < last; ++k) {
      UpdateTensor t;
      t.var = var[k].data();
      t.grad = grad[k].data();
      t.slots[0] = rms ? slot1[k].data() : slot0[k].data();
      t.slots[1] = rms ? slot0[k].data() : slot1[k].data();
      t.slots[2] = slot2[k].data();
      t.n = static_cast<int64_t>(var[k].size());
      out.push_back(t);
    }
    return out;
  }
};

const std::vector<int64_t> kSizes = {1, 3, 70000, 5, 1, 40001, 2, 17};

void expect_multi_equals_single(const OptimizerUpdate& u) {
  Buffers multi(kSizes), single(kSizes);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(4);  // chunks that start and end inside variables
  std::vector<UpdateTensor> all = multi.tensors(u, 0, kSizes.size());
  cpu::apply_update(u, ScalarType::kFloat32, all.data(), static_cast<int64_t>(all.size()));
  omp_set_num_threads(1);
  for (size_t k = 0; k < kSizes.size(); ++k) {
    std::vector<UpdateTensor> one = single.tensors(u, k, k + 1);
    cpu::apply_update(u, ScalarType::kFloat32, one.data(), 1);
  }
  omp_set_num_threads(threads);
  for (size_t k = 0; k < kSizes.size(); ++k) {
    ASSERT_EQ(multi.var[k], single.var[k]) << "variable " << k;
    ASSERT_EQ(multi.slot0[k], single.slot0[k]) << "variable " << k;
    ASSERT_EQ(multi.slot1[k], single.slot1[k]) << "variable " << k;
    ASSERT_EQ(multi.slot2[k], single.slot2[k]) << "variable " << k;
  }
  // And the update changed something: the comparison is not between two untouched copies.
  Buffers untouched(kSizes);
  EXPECT_NE(multi.var[2], untouched.var[2]);
}

TEST(OptimizerUpdateKernel, MultiTensorEqualsOneVariableAtATime) {
  for (bool decay : {false, true}) {
    SCOPED_TRACE(decay ? "weight decay" : "no weight decay");
    OptimizerUpdate adam{.rule = UpdateRule::kAdam,
                         .weight_decay = decay,
                         .decay = 0.01,
                         .alpha = 0.01,
                         .beta_1 = 0.9,
                         .beta_2 = 0.999,
                         .epsilon = 1e-7};
    expect_multi_equals_single(adam);
    adam.amsgrad = true;
    expect_multi_equals_single(adam);
    OptimizerUpdate sgd{.rule = UpdateRule::kSGD, .weight_decay = decay, .decay = 0.01, .lr = 0.1};
    expect_multi_equals_single(sgd);
    sgd.momentum = 0.9;
    expect_multi_equals_single(sgd);
    sgd.nesterov = true;
    expect_multi_equals_single(sgd);
    OptimizerUpdate rms{.rule = UpdateRule::kRMSprop,
                        .weight_decay = decay,
                        .decay = 0.01,
                        .lr = 0.01,
                        .epsilon = 1e-7,
                        .rho = 0.9};
    expect_multi_equals_single(rms);
    rms.momentum = 0.5;
    expect_multi_equals_single(rms);
    rms.centered = true;
    expect_multi_equals_single(rms);
    rms.momentum = 0;
    expect_multi_equals_single(rms);
  }
}

TEST(OptimizerUpdateKernel, SlotCountsAndDtypes) {
  EXPECT_EQ(num_update_slots({.rule = UpdateRule::kAdam}), 2);
  EXPECT_EQ(num_update_slots({.rule = UpdateRule::kAdam, .amsgrad = true}), 3);
  EXPECT_EQ(num_update_slots({.rule = UpdateRule::kSGD}), 0);
  EXPECT_EQ(num_update_slots({.rule = UpdateRule::kSGD, .momentum = 0.9}), 1);
  EXPECT_EQ(num_update_slots({.rule = UpdateRule::kRMSprop, .momentum = 0.9, .centered = true}), 3);
  EXPECT_TRUE(cpu::has_update_kernel(ScalarType::kFloat32));
  EXPECT_TRUE(cpu::has_update_kernel(ScalarType::kFloat64));
  EXPECT_FALSE(cpu::has_update_kernel(ScalarType::kFloat16));
}

}  // namespace
}  // namespace tandem::kernels
