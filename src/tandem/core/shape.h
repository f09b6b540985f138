// Tensor shape: a list of dimensions. -1 stands for an unknown dimension (Keras's None), which only
// symbolic tensors and input specs carry.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace tandem {

class Shape {
 public:
  static constexpr int64_t kUnknown = -1;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(const std::vector<int64_t>& dims) { assign(dims.data(), dims.size()); }
  explicit Shape(std::span<const int64_t> dims) { assign(dims.data(), dims.size()); }
  Shape(const Shape& o) { assign(o.data(), o.size()); }
  Shape(Shape&& o) noexcept { take(o); }
  Shape& operator=(const Shape& o);
  Shape& operator=(Shape&& o) noexcept;
  ~Shape() { release(); }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return data()[i]; }
  int64_t& operator[](int i) { return data()[i]; }
  // Dimension i with Python-style negative indexing; throws ValueError when out of range.
  int64_t dim(int i) const;
  // A view of the dimensions, valid while this Shape lives unchanged.
  std::span<const int64_t> dims() const { return {data(), size()}; }
  // The dimensions as a new vector (TensorShape.as_list()).
  std::vector<int64_t> as_list() const { return {data(), data() + size()}; }
  bool is_fully_defined() const;
  // Product of the dimensions (1 for a scalar); throws ValueError when a dimension is unknown or
  // when the product overflows int64 (the message names the shape).
  int64_t num_elements() const;
  // The same product without throwing: empty when a dimension is unknown or it overflows int64.
  std::optional<int64_t> try_num_elements() const;

  // Row-major element strides.
  std::vector<int64_t> strides() const;

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }

  // "(2, 3)" like TensorShape's repr, with None for unknown dimensions; "()" for a scalar.
  std::string to_string() const;
  // "[2,3]" as TensorFlow prints shapes inside error messages.
  std::string to_list_string() const;

 private:
  // Shapes of up to kInline dimensions (nearly all) live inside the object: every tensor holds a
  // Shape and most ops compute one, and a heap block for each cost as much as the rest of a small
  // tensor's bookkeeping.
  static constexpr int kInline = 6;

  size_t size() const { return static_cast<size_t>(rank_); }
  const int64_t* data() const { return rank_ > kInline ? heap_ : inline_; }
  int64_t* data() { return rank_ > kInline ? heap_ : inline_; }
  void assign(const int64_t* dims, size_t n);
  void take(Shape& o) noexcept;
  void release() noexcept;

  int rank_ = 0;
  union {
    int64_t inline_[kInline] = {};
    int64_t* heap_;
  };
};

std::ostream& operator<<(std::ostream& os, const Shape& s);

}  // namespace tandem
