#include "tandem/core/device.h"

#include <gtest/gtest.h>

#include "tandem/tandem.h"

namespace tandem {
namespace {

TEST(Device, ParsesTensorFlowAndTorchSpellings) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("CPU:0"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:1"), Device::cuda(1));
  EXPECT_EQ(Device::parse("GPU:2"), Device::cuda(2));
  EXPECT_EQ(Device::cuda(1).to_string(), "cuda:1");
  EXPECT_EQ(Device::cpu().to_string(), "CPU:0");
}

TEST(Device, BadSpecIsAValueError) {
  try {
    Device::parse("tpu:0");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("expected 'cpu', 'cuda' or 'cuda:N'"), std::string::npos);
  }
  EXPECT_THROW(Device::parse("cuda:x"), ValueError);
}

TEST(Device, MissingGpuGivesAClearError) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "this machine has a GPU";
  try {
    DeviceScope scope(Device::cuda(0));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("is not available"), std::string::npos) << e.what();
  }
  try {
    zeros(Shape{2}, float32, Device::cuda(0));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
}

TEST(Device, DefaultDeviceIsCpu) {
  EXPECT_EQ(default_device(), Device::cpu());
  EXPECT_EQ(constant({1.0f}).device(), Device::cpu());
}

}  // namespace
}  // namespace tandem
