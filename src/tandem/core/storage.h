// The memory behind tensors: one allocation on one device, shared by every tensor that views it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tandem/core/device.h"

namespace tandem {

class Storage {
 public:
  // Uninitialised bytes on `device` from that device's caching allocator.
  static std::shared_ptr<Storage> allocate(size_t bytes, Device device);
  // `count` empty std::strings (string tensors live on the CPU only).
  static std::shared_ptr<Storage> allocate_strings(size_t count);

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 protected:
  Storage(void* data, size_t bytes, Device device, size_t strings)
      : data_(data), bytes_(bytes), device_(device), strings_(strings) {}

 private:
  void* data_;
  size_t bytes_;
  Device device_;
  size_t strings_;  // number of constructed std::string objects in data_
};

}  // namespace tandem
