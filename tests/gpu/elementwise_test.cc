// CUDA element-wise kernels and the device allocator. Skips without a GPU.
#include <gtest/gtest.h>

#include "kernels/cuda/runtime.h"
#include "testing/gradient_check.h"

namespace tandem {
namespace {

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  }
  Device gpu = Device::cuda(0);
};

TEST_F(Gpu, RoundTripCopy) {
  Tensor x = constant({{1.0f, 2.0f}, {3.0f, 4.0f}});
  Tensor g = x.to(gpu);
  EXPECT_EQ(g.device(), gpu);
  testing::expect_values(g.cpu(), {1, 2, 3, 4});
}

TEST_F(Gpu, UnaryAndBinaryMatchCpu) {
  Tensor a = constant({{-1.5f, 0.25f, 2.0f}, {3.0f, -4.0f, 0.5f}});
  Tensor b = constant({0.5f, -2.0f, 4.0f});
  Tensor ga = a.to(gpu), gb = b.to(gpu);
  for (auto [cpu, dev] :
       std::vector<std::pair<Tensor, Tensor>>{{exp(a), exp(ga)},
                                              {tanh(a), tanh(ga)},
                                              {sigmoid(a), sigmoid(ga)},
                                              {relu(a), relu(ga)},
                                              {a + b, ga + gb},
                                              {a * b, ga * gb},
                                              {maximum(a, b), maximum(ga, gb)},
                                              {cast(a, float64), cast(ga, float64)}}) {
    EXPECT_EQ(dev.device(), gpu);
    testing::expect_values(dev.cpu(), cpu.to_vector<double>(), 1e-6);
  }
  testing::expect_values(cast(greater(ga, gb), float32).cpu(),
                         cast(greater(a, b), float32).to_vector<double>());
}

TEST_F(Gpu, HalfPrecisionUsesTheSameFunctors) {
  Tensor a = cast(constant({1.0f, 2.0f, -3.0f}), float16);
  Tensor r = cast(square(a.to(gpu)), float32).cpu();
  testing::expect_values(r, {1, 4, 9});
}

TEST_F(Gpu, CachingAllocatorReusesBlocks) {
  { Tensor warm = zeros(Shape{1024, 1024}, float32, gpu); }
  int64_t before = kernels::cuda::allocator_stats(0).device_mallocs;
  for (int i = 0; i < 10; ++i) {
    Tensor t = zeros(Shape{1024, 1024}, float32, gpu);
    EXPECT_EQ(t.device(), gpu);
  }
  EXPECT_EQ(kernels::cuda::allocator_stats(0).device_mallocs, before);
}

TEST_F(Gpu, MixedDevicesAreAnError) {
  Tensor a = constant({1.0f, 2.0f});
  try {
    add(a, a.to(gpu));
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("one device"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tandem
