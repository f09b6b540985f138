// join: "a, b, c", how error messages list names (layers, outputs, known identifiers).
#pragma once

#include <string>
#include <utility>

namespace tandem {

// The items' texts separated by `separator`; `text` maps an item to its text.
template <class Range, class F>
std::string join(const Range& items, F&& text, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.append(separator);
    out.append(text(item));
  }
  return out;
}

// Items that are strings already.
template <class Range>
std::string join(const Range& items, const char* separator = ", ") {
  return join(
      items, [](const auto& s) -> const std::string& { return s; }, separator);
}

}  // namespace tandem
