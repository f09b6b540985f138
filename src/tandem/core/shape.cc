#include "tandem/core/shape.h"

#include "tandem/core/error.h"

namespace tandem {

int64_t Shape::dim(int i) const {
  int r = rank();
  TANDEM_CHECK(i >= -r && i < r, ValueError, "dimension index ", i, " is out of range for shape ",
               to_string(), " (expected ", -r, " <= index < ", r, ")");
  return dims_[i < 0 ? i + r : i];
}

bool Shape::is_fully_defined() const {
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

int64_t Shape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_) {
    TANDEM_CHECK(d >= 0, ValueError, "shape ", to_string(), " has unknown dimensions");
    n *= d;
  }
  return n;
}

std::vector<int64_t> Shape::strides() const {
  std::vector<int64_t> s(dims_.size());
  int64_t acc = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= dims_[i];
  }
  return s;
}

std::string Shape::to_string() const {
  std::string out = "(";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ", ";
    out += dims_[i] < 0 ? "None" : std::to_string(dims_[i]);
  }
  if (dims_.size() == 1) out += ",";
  return out + ")";
}

std::string Shape::to_list_string() const {
  std::string out = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) out += ",";
    out += dims_[i] < 0 ? "?" : std::to_string(dims_[i]);
  }
  return out + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.to_string(); }

}  // namespace tandem
