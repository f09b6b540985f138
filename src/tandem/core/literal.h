// Nested initializer lists for tensor literals: constant({{1.f, 2.f}, {3.f, 4.f}}).
// The element kind is inferred as TensorFlow does from Python literals: any floating value makes
// float32, integers int32, bools bool, strings string; an explicit dtype overrides.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tandem {

class Literal {
 public:
  enum class Kind { kFloat, kInt, kBool, kString, kList };

  Literal(float v) : kind_(Kind::kFloat), number_(v) {}           // NOLINT: implicit by design
  Literal(double v) : kind_(Kind::kFloat), number_(v) {}          // NOLINT
  Literal(int v) : kind_(Kind::kInt), number_(v), integer_(v) {}  // NOLINT
  Literal(int64_t v) : kind_(Kind::kInt), number_(static_cast<double>(v)), integer_(v) {}  // NOLINT
  Literal(bool v) : kind_(Kind::kBool), number_(v), integer_(v) {}                         // NOLINT
  Literal(const char* v) : kind_(Kind::kString), text_(v) {}                               // NOLINT
  Literal(std::string v) : kind_(Kind::kString), text_(std::move(v)) {}                    // NOLINT
  Literal(std::initializer_list<Literal> items) : kind_(Kind::kList), items_(items) {}

  Kind kind() const { return kind_; }
  double number() const { return number_; }
  int64_t integer() const { return integer_; }
  const std::string& text() const { return text_; }
  const std::vector<Literal>& items() const { return items_; }

 private:
  Kind kind_;
  double number_ = 0;
  int64_t integer_ = 0;
  std::string text_;
  std::vector<Literal> items_;
};

}  // namespace tandem
