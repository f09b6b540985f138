#include "tandem/data/element.h"

#include <algorithm>
#include <sstream>

namespace tandem::data {

Element::Element(Tensor t) : components_{std::move(t)} {}

Element Element::named(std::vector<std::pair<std::string, Tensor>> items) {
  std::vector<std::string> names;
  std::vector<Tensor> components;
  for (auto& [name, tensor] : items) {
    names.push_back(std::move(name));
    components.push_back(std::move(tensor));
  }
  return named(std::move(names), std::move(components));
}

Element Element::named(std::vector<std::string> names, std::vector<Tensor> components) {
  TANDEM_CHECK(names.size() == components.size(), ValueError, "Element::named: expected ",
               names.size(), " tensors for ", names.size(), " names, received ", components.size());
  TANDEM_CHECK(!names.empty(), ValueError, "Element::named: a map element needs at least one name");
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      TANDEM_CHECK(names[i] != names[j], ValueError, "Element::named: duplicate name '", names[i],
                   "'");
    }
  }
  Element e(std::move(components));
  e.names_ = std::move(names);
  return e;
}

const Tensor& Element::at(int64_t i) const {
  TANDEM_CHECK(i >= 0 && i < static_cast<int64_t>(components_.size()), ValueError,
               "Element: component index ", i, " out of range for an element with ",
               components_.size(), " components");
  return components_[static_cast<size_t>(i)];
}

bool Element::contains(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

const Tensor& Element::operator[](const std::string& name) const {
  auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) {
    std::ostringstream known;
    for (size_t i = 0; i < names_.size(); ++i) known << (i ? ", " : "") << names_[i];
    TANDEM_CHECK(
        false, ValueError, "Element: no component named '", name, "'; the element has ",
        names_.empty() ? std::string("no names (it is a tuple)") : "names [" + known.str() + "]");
  }
  return components_[static_cast<size_t>(it - names_.begin())];
}

std::string Element::describe() const {
  std::ostringstream out;
  out << (is_map() ? "{" : "(");
  for (size_t i = 0; i < components_.size(); ++i) {
    if (i) out << ", ";
    if (is_map()) out << names_[i] << ": ";
    const Tensor& t = components_[i];
    if (t.defined()) {
      out << dtype_name(t.dtype()) << " " << t.shape().to_string();
    } else {
      out << "undefined";
    }
  }
  out << (is_map() ? "}" : ")");
  return out.str();
}

}  // namespace tandem::data
