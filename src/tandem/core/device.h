// Where a tensor lives: the CPU or a CUDA device.
#pragma once

#include <ostream>
#include <string>

namespace tandem {

class Device {
 public:
  enum class Type { kCPU, kCUDA };

  constexpr Device() = default;
  constexpr Device(Type type, int index) : type_(type), index_(index) {}
  static constexpr Device cpu() { return Device(); }
  static constexpr Device cuda(int index = 0) { return Device(Type::kCUDA, index); }
  // Parses "cpu", "CPU:0", "cuda", "cuda:1", "GPU:1"; throws ValueError otherwise.
  static Device parse(const std::string& spec);

  Type type() const { return type_; }
  int index() const { return index_; }
  bool is_cpu() const { return type_ == Type::kCPU; }
  bool is_cuda() const { return type_ == Type::kCUDA; }
  bool operator==(const Device& o) const { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  // "CPU:0" or "cuda:1".
  std::string to_string() const;

 private:
  Type type_ = Type::kCPU;
  int index_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Device& d);

// Number of CUDA devices this process can use (0 in a CPU-only build or without a GPU).
int cuda_device_count();

// The device new tensors are created on when no input decides it (like `with tf.device(...)`).
Device default_device();

// RAII scope that changes default_device() on this thread.
class DeviceScope {
 public:
  explicit DeviceScope(Device d);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  Device previous_;
};

}  // namespace tandem
