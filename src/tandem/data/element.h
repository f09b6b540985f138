// Element: one item of a Dataset, a tuple of tensors or a name->tensor map (like the nested
// structures tf.data yields, flattened to one level). Tensors are immutable handles, so copying an
// Element is cheap.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tandem/core/tensor.h"

namespace tandem::data {

class Element {
 public:
  Element() = default;
  // A one-component tuple: lets a map function return a bare Tensor.
  Element(Tensor t);  // NOLINT: implicit on purpose
  Element(std::initializer_list<Tensor> components) : components_(components) {}
  explicit Element(std::vector<Tensor> components) : components_(std::move(components)) {}
  // A name->tensor map; names keep the given order and must be unique.
  static Element named(std::vector<std::pair<std::string, Tensor>> items);
  static Element named(std::vector<std::string> names, std::vector<Tensor> components);

  size_t size() const { return components_.size(); }
  bool is_map() const { return !names_.empty(); }
  // Component i (tuple position, also valid for maps in name order). A template so that any
  // integer type, the literal 0 included, picks it over the name overloads.
  template <class I>
  requires std::is_integral_v<I>
  const Tensor& operator[](I i) const { return at(static_cast<int64_t>(i)); }
  const Tensor& at(int64_t i) const;
  // The component called `name`; throws ValueError listing the names present.
  const Tensor& operator[](const std::string& name) const;
  const Tensor& operator[](const char* name) const { return (*this)[std::string(name)]; }
  bool contains(const std::string& name) const;

  const std::vector<Tensor>& components() const { return components_; }
  const std::vector<std::string>& names() const { return names_; }
  // "(int32 (), string (2,))" or "{image: float32 (28, 28), label: uint8 ()}" for messages.
  std::string describe() const;

 private:
  std::vector<Tensor> components_;
  std::vector<std::string> names_;  // empty for a tuple
};

}  // namespace tandem::data
