#include "tandem/core/mutable_tensor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tandem/ops/creation.h"
#include "testing/assertions.h"

namespace tandem {
namespace {

using testing::expect_error;

TEST(MutableTensor, IsFilledThenFrozenIntoATensor) {
  MutableTensor m = MutableTensor::empty(Shape{2, 3}, int32, Device::cpu());
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(m.dtype(), int32);
  EXPECT_EQ(m.num_elements(), 6);
  int32_t* d = m.mutable_data<int32_t>();
  for (int i = 0; i < 6; ++i) d[i] = i * i;
  const void* where = m.mutable_raw_data();
  Tensor t = std::move(m).freeze();
  EXPECT_EQ(t.raw_data(), where) << "freezing does not copy";
  EXPECT_EQ(t.to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 4, 9, 16, 25}));
}

TEST(MutableTensor, HoldsStrings) {
  MutableTensor m = MutableTensor::empty(Shape{2}, string, Device::cpu());
  m.mutable_data<std::string>()[1] = "written";
  EXPECT_EQ(std::move(m).freeze().to_vector<std::string>(),
            (std::vector<std::string>{"", "written"}));
}

TEST(MutableTensor, ChecksTheElementType) {
  MutableTensor m = MutableTensor::empty(Shape{2}, float32, Device::cpu());
  expect_error<TypeError>([&] { m.mutable_data<double>(); },
                          "mutable_data<float64>() called on a tensor of dtype float32");
}

TEST(MutableTensor, IsWrittenOnlyUntilFrozen) {
  MutableTensor m = MutableTensor::empty(Shape{1}, float32, Device::cpu());
  Tensor t = std::move(m).freeze();
  expect_error<ValueError>([&] { m.mutable_raw_data(); }, "written after freeze()");
  expect_error<ValueError>([&] { std::move(m).freeze(); }, "freeze() called twice");
}

TEST(MutableTensor, TakesOnlyTensorsNobodyElseHolds) {
  Tensor shared = zeros(Shape{2}, float32);
  Tensor other_handle = shared;
  expect_error<ValueError>([&] { MutableTensor::take_unshared(std::move(shared)); },
                           "received one with 2 handles whose storage has 1 owners");
  Tensor view = zeros(Shape{4}, float32);
  Tensor reshaped = Tensor::from_storage(view.storage(), 0, Shape{2, 2}, float32);
  expect_error<ValueError>([&] { MutableTensor::take_unshared(std::move(view)); },
                           "received one with 1 handles whose storage has 2 owners");
  MutableTensor fresh = MutableTensor::take_unshared(zeros(Shape{2}, float32));
  fresh.mutable_data<float>()[0] = 5.f;
  testing::expect_values(std::move(fresh).freeze(), {5, 0});
}

TEST(MutableTensor, ReportsImpossibleSizesLikeTensorEmpty) {
  expect_error<ValueError>(
      [] {
        MutableTensor::empty(Shape{int64_t{1} << 62, 8}, float32, Device::cpu(), "my_op");
      },
      "my_op: ");
}

}  // namespace
}  // namespace tandem
