// Timing helper shared by the kernel micro-benchmarks.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace bench {

// The median wall time of `repeats` runs of f, in milliseconds: robust to the odd descheduled run
// on a shared machine.
inline double median_ms(const std::function<void()>& f, int repeats) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    auto begin = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
                    .count());
  }
  std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
  return t[t.size() / 2];
}

}  // namespace bench
