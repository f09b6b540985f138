#include "tandem/ops/dispatch.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tandem/core/allocator.h"
#include "tandem/core/storage.h"
#include "tandem/ops/conv.h"
#include "tandem/ops/creation.h"
#include "tandem/ops/cross_entropy.h"
#include "tandem/ops/linalg.h"
#include "tandem/ops/math.h"
#include "tandem/ops/pooling.h"
#include "tandem/ops/reduction.h"
#include "tandem/ops/shape_ops.h"
#include "tandem/ops/sorting.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using ops::dispatch::Family;
using testing::expect_error;

// Host memory that says it lives on cuda:0: what a CUDA tensor looks like to the ops, on any
// machine. No kernel may touch it; dispatch must refuse it before allocating anything.
struct FakeDeviceStorage : Storage {
  explicit FakeDeviceStorage(size_t bytes)
      : Storage(new double[(bytes + 7) / 8](), bytes, Device::cuda(0), 0) {}
};

// A float32 tensor of `shape` on the fake cuda:0. Its storage is never freed: ~Storage would hand
// host memory to the CUDA allocator in a CUDA build.
Tensor on_fake_cuda(const Shape& shape, DType dtype = float32) {
  static auto* keep_alive = new std::vector<std::shared_ptr<Storage>>();
  auto storage = std::make_shared<FakeDeviceStorage>(static_cast<size_t>(shape.num_elements()) *
                                                     dtype_size(dtype));
  keep_alive->push_back(storage);
  return Tensor::from_storage(storage, 0, shape, dtype);
}

// Runs `op` and expects a ValueError naming `name` and cuda:0, with no tensor memory allocated on
// the way (the cpu allocator's call count does not move).
void expect_refused_before_allocating(const std::string& name, const std::function<void()>& op) {
  SCOPED_TRACE(name);
  const int64_t before = cpu_allocator::stats().allocations;
  try {
    op();
    ADD_FAILURE() << name << " ran on a device without its kernel";
  } catch (const ValueError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(name + ":"), std::string::npos) << message;
    EXPECT_NE(message.find("cuda:0"), std::string::npos) << message;
  }
  EXPECT_EQ(cpu_allocator::stats().allocations, before) << name << " allocated before refusing";
}

TEST(Dispatch, EveryFamilyHasCpuKernels) {
  for (Family f : {Family::kElementwise, Family::kSelect, Family::kReduce, Family::kMatmul,
                   Family::kConv, Family::kPool, Family::kGather, Family::kTranspose, Family::kSort,
                   Family::kRandom, Family::kCrossEntropy}) {
    EXPECT_TRUE(ops::dispatch::has_kernel(f, Device::cpu())) << ops::dispatch::family_name(f);
  }
}

TEST(Dispatch, OnlyElementwiseHasCudaKernelsAndOnlyInACudaBuild) {
#ifdef TANDEM_HAVE_CUDA
  EXPECT_TRUE(ops::dispatch::has_kernel(Family::kElementwise, Device::cuda(0)));
  expect_error<ValueError>(
      [] { ops::dispatch::check_kernel(Family::kConv, "conv2d", Device::cuda(0)); },
      "conv2d: the CUDA kernel for conv ops is not built yet (received a tensor on cuda:0)");
#else
  EXPECT_FALSE(ops::dispatch::has_kernel(Family::kElementwise, Device::cuda(0)));
  expect_error<ValueError>(
      [] { ops::dispatch::check_kernel(Family::kElementwise, "add", Device::cuda(1)); },
      "add: received a tensor on cuda:1, but this build of Tandem has no CUDA support");
#endif
  EXPECT_FALSE(ops::dispatch::has_kernel(Family::kMatmul, Device::cuda(0)));
  EXPECT_NO_THROW(ops::dispatch::check_kernel(Family::kMatmul, "matmul", Device::cpu()));
}

TEST(Dispatch, OpsRefuseADeviceWithoutTheirKernelBeforeAllocating) {
  Tensor m = on_fake_cuda(Shape{2, 2});
  Tensor images = on_fake_cuda(Shape{1, 4, 4, 1});
  Tensor filters = on_fake_cuda(Shape{2, 2, 1, 1});
  Tensor rows = on_fake_cuda(Shape{2, 4});
  Tensor mask = on_fake_cuda(Shape{2, 2}, bool_);
  expect_refused_before_allocating("matmul", [&] { matmul(m, m); });
  expect_refused_before_allocating("conv2d", [&] { conv2d(images, filters); });
  expect_refused_before_allocating("max_pool2d", [&] { max_pool2d(images, 2, 2, "VALID"); });
  expect_refused_before_allocating("avg_pool2d", [&] { avg_pool2d(images, 2, 2, "VALID"); });
  expect_refused_before_allocating("reduce_sum", [&] { reduce_sum(rows, {.axis = {{1}}}); });
  expect_refused_before_allocating("argmax", [&] { argmax(rows, 1); });
  expect_refused_before_allocating("softmax", [&] { softmax(rows); });
  expect_refused_before_allocating("cumsum", [&] { cumsum(rows, 1); });
  expect_refused_before_allocating("transpose", [&] { transpose(rows); });
  expect_refused_before_allocating("concat", [&] { concat({rows, rows}, 0); });
  expect_refused_before_allocating("split", [&] { split(rows, int64_t{2}, 1); });
  expect_refused_before_allocating("tile", [&] { tile(rows, {2, 1}); });
  expect_refused_before_allocating("strided_slice", [&] { rows[":, ::2"]; });
  expect_refused_before_allocating("broadcast_to", [&] { broadcast_to(rows, Shape{3, 2, 4}); });
  expect_refused_before_allocating("where", [&] { where(mask, m, m); });
  expect_refused_before_allocating("sort", [&] { sort(rows); });
  expect_refused_before_allocating("top_k", [&] { top_k(rows, 2); });
  expect_refused_before_allocating("softmax_cross_entropy_with_logits",
                                   [&] { softmax_cross_entropy_with_logits(rows, rows); });
  expect_refused_before_allocating("sigmoid_cross_entropy_with_logits",
                                   [&] { sigmoid_cross_entropy_with_logits(rows, rows); });
#ifndef TANDEM_HAVE_CUDA
  // A CUDA build has the element-wise kernels (run on a real device by tests/gpu).
  expect_refused_before_allocating("relu", [&] { relu(m); });
  expect_refused_before_allocating("add", [&] { add(m, m); });
  expect_refused_before_allocating("cast", [&] { cast(m, float64); });
  expect_refused_before_allocating("zeros", [] { zeros(Shape{2}, float32, Device::cuda(0)); });
#endif
}

TEST(Dispatch, CopyIsAFreshTensorWithTheSameValues) {
  Tensor x = constant({{1.f, 2.f}, {3.f, 4.f}});
  Tensor y = ops::dispatch::copy("copy", x);
  EXPECT_NE(y.storage(), x.storage());
  testing::expect_values(y, {1, 2, 3, 4});
  Tensor s = constant({"a", "bc"});
  EXPECT_EQ(ops::dispatch::copy("copy", s).to_vector<std::string>(),
            (std::vector<std::string>{"a", "bc"}));
}

TEST(Dispatch, BinaryIntoWritesInPlace) {
  MutableTensor out =
      MutableTensor::take_unshared(ops::dispatch::copy("copy", constant({1.f, 2.f})));
  const void* where_before = out.view().raw_data();
  ops::dispatch::binary_into("add", kernels::BinaryOp::kAdd, out.view(), constant({10.f, 20.f}),
                             out);
  Tensor done = std::move(out).freeze();
  EXPECT_EQ(done.raw_data(), where_before);
  testing::expect_values(done, {11, 22});
}

}  // namespace
}  // namespace tandem
