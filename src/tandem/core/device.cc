#include "tandem/core/device.h"

#include <cctype>

#include "tandem/core/error.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem {
namespace {
thread_local Device current_default;
}

Device Device::parse(const std::string& spec) {
  std::string lower;
  for (char c : spec) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto colon = lower.find(':');
  std::string kind = lower.substr(0, colon);
  int index = 0;
  if (colon != std::string::npos) {
    std::string num = lower.substr(colon + 1);
    TANDEM_CHECK(!num.empty() && num.find_first_not_of("0123456789") == std::string::npos,
                 ValueError, "device '", spec, "': expected a device index after ':'");
    index = std::stoi(num);
  }
  if (kind == "cpu") return Device(Type::kCPU, index);
  if (kind == "cuda" || kind == "gpu") return Device(Type::kCUDA, index);
  throw ValueError("unknown device '" + spec + "': expected 'cpu', 'cuda' or 'cuda:N'");
}

std::string Device::to_string() const {
  return (is_cpu() ? "CPU:" : "cuda:") + std::to_string(index_);
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.to_string(); }

int cuda_device_count() {
#ifdef TANDEM_HAVE_CUDA
  static const int count = kernels::cuda::device_count();
  return count;
#else
  return 0;
#endif
}

Device default_device() { return current_default; }

DeviceScope::DeviceScope(Device d) : previous_(current_default) {
  if (d.is_cuda()) {
    TANDEM_CHECK(d.index() < cuda_device_count(), ValueError, "device ", d.to_string(),
                 " is not available: this process sees ", cuda_device_count(), " CUDA device(s)");
  }
  current_default = d;
}

DeviceScope::~DeviceScope() { current_default = previous_; }

}  // namespace tandem
