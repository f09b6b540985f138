// Helpers shared by the Dataset tests.
#pragma once

#include <cstdint>
#include <vector>

#include "tandem/data/dataset.h"

namespace tandem::data::testing {

// Component `c` of every element of one iteration, as int64 scalars.
inline std::vector<int64_t> scalars(const Dataset& ds, size_t c = 0) {
  std::vector<int64_t> out;
  for (const Element& e : ds) out.push_back(e[c].item<int64_t>());
  return out;
}

inline std::vector<int64_t> iota(int64_t start, int64_t stop) {
  std::vector<int64_t> out;
  for (int64_t i = start; i < stop; ++i) out.push_back(i);
  return out;
}

}  // namespace tandem::data::testing
