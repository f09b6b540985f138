#include "tandem/core/storage.h"

#include <new>

#include "tandem/core/allocator.h"
#include "tandem/core/error.h"
#ifdef TANDEM_HAVE_CUDA
#include "kernels/cuda/runtime.h"
#endif

namespace tandem {

namespace {
// Storage's constructor is protected; this lets allocate_shared put the Storage and its
// reference counts in one allocation (a tensor is made per op, and each allocation is ~50 ns).
struct OwnedStorage : Storage {
  OwnedStorage(void* data, size_t bytes, Device device, size_t strings)
      : Storage(data, bytes, device, strings) {}
};
}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Device device) {
  void* data = nullptr;
  if (device.is_cpu()) {
    data = cpu_allocator::allocate(bytes);
  } else {
#ifdef TANDEM_HAVE_CUDA
    TANDEM_CHECK(device.index() < cuda_device_count(), ValueError, "cannot allocate on ",
                 device.to_string(), ": this process sees ", cuda_device_count(),
                 " CUDA device(s)");
    data = kernels::cuda::allocate(device.index(), bytes);
#else
    throw ValueError("cannot allocate on " + device.to_string() +
                     ": this build of Tandem has no CUDA support");
#endif
  }
  return std::allocate_shared<OwnedStorage>(cpu_allocator::ObjectAllocator<void>(), data, bytes,
                                            device, 0);
}

std::shared_ptr<Storage> Storage::allocate_strings(size_t count) {
  size_t bytes = count * sizeof(std::string);
  void* data = cpu_allocator::allocate(bytes);
  auto* s = static_cast<std::string*>(data);
  for (size_t i = 0; i < count; ++i) new (s + i) std::string();
  return std::allocate_shared<OwnedStorage>(cpu_allocator::ObjectAllocator<void>(), data, bytes,
                                            Device::cpu(), count);
}

Storage::~Storage() {
  if (device_.is_cpu()) {
    auto* s = static_cast<std::string*>(data_);
    for (size_t i = 0; i < strings_; ++i) s[i].~basic_string();
    cpu_allocator::deallocate(data_, bytes_);
  } else {
#ifdef TANDEM_HAVE_CUDA
    kernels::cuda::deallocate(device_.index(), data_, bytes_);
#endif
  }
}

}  // namespace tandem
