// Tensor shape: a list of dimensions. -1 stands for an unknown dimension (Keras's None), which only
// symbolic tensors and input specs carry.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace tandem {

class Shape {
 public:
  static constexpr int64_t kUnknown = -1;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  // Dimension i with Python-style negative indexing; throws ValueError when out of range.
  int64_t dim(int i) const;
  const std::vector<int64_t>& dims() const { return dims_; }
  bool is_fully_defined() const;
  // Product of the dimensions (1 for a scalar); throws ValueError when a dimension is unknown.
  int64_t num_elements() const;

  // Row-major element strides.
  std::vector<int64_t> strides() const;

  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

  // "(2, 3)" like TensorShape's repr, with None for unknown dimensions; "()" for a scalar.
  std::string to_string() const;
  // "[2,3]" as TensorFlow prints shapes inside error messages.
  std::string to_list_string() const;

 private:
  std::vector<int64_t> dims_;
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace tandem
