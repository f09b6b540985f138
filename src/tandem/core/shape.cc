#include "tandem/core/shape.h"

#include <algorithm>

#include "tandem/core/error.h"

namespace tandem {

void Shape::assign(const int64_t* dims, size_t n) {
  int64_t* dst = n > kInline ? new int64_t[n] : inline_;
  std::copy(dims, dims + n, dst);
  if (n > kInline) heap_ = dst;
  rank_ = static_cast<int>(n);
}

void Shape::take(Shape& o) noexcept {
  rank_ = o.rank_;
  if (rank_ > kInline) {
    heap_ = o.heap_;
  } else {
    std::copy(o.inline_, o.inline_ + rank_, inline_);
  }
  o.rank_ = 0;  // o no longer owns a heap block
}

void Shape::release() noexcept {
  if (rank_ > kInline) delete[] heap_;
  rank_ = 0;
}

Shape& Shape::operator=(const Shape& o) {
  if (this != &o) {
    release();
    assign(o.data(), o.size());
  }
  return *this;
}

Shape& Shape::operator=(Shape&& o) noexcept {
  if (this != &o) {
    release();
    take(o);
  }
  return *this;
}

bool Shape::operator==(const Shape& o) const {
  return rank_ == o.rank_ && std::equal(data(), data() + size(), o.data());
}

int64_t Shape::dim(int i) const {
  int r = rank();
  TANDEM_CHECK(i >= -r && i < r, ValueError, "dimension index ", i, " is out of range for shape ",
               to_string(), " (expected ", -r, " <= index < ", r, ")");
  return data()[i < 0 ? i + r : i];
}

bool Shape::is_fully_defined() const {
  for (int64_t d : dims())
    if (d < 0) return false;
  return true;
}

int64_t Shape::num_elements() const {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : dims()) {
    TANDEM_CHECK(d >= 0, ValueError, "shape ", to_string(), " has unknown dimensions");
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  if (overflow) {
    // A zero dimension makes the product 0 whatever the others are.
    for (int64_t d : dims())
      if (d == 0) return 0;
    throw ValueError(detail::concat("shape ", to_string(),
                                    " has too many elements: the product of its dimensions does "
                                    "not fit in int64 (at most 9223372036854775807)"));
  }
  return n;
}

std::optional<int64_t> Shape::try_num_elements() const {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : dims()) {
    if (d < 0) return std::nullopt;
    overflow |= __builtin_mul_overflow(n, d, &n);
  }
  if (overflow) {
    for (int64_t d : dims())
      if (d == 0) return 0;
    return std::nullopt;
  }
  return n;
}

std::vector<int64_t> Shape::strides() const {
  std::vector<int64_t> s(size());
  int64_t acc = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= data()[i];
  }
  return s;
}

std::string Shape::to_string() const {
  std::string out = "(";
  for (size_t i = 0; i < size(); ++i) {
    if (i) out += ", ";
    out += data()[i] < 0 ? "None" : std::to_string(data()[i]);
  }
  if (rank_ == 1) out += ",";
  return out + ")";
}

std::string Shape::to_list_string() const {
  std::string out = "[";
  for (size_t i = 0; i < size(); ++i) {
    if (i) out += ",";
    out += data()[i] < 0 ? "?" : std::to_string(data()[i]);
  }
  return out + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.to_string(); }

}  // namespace tandem
