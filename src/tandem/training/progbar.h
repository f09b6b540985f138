// Progbar: Keras's progress bar ("469/469 [==============================] - 2s 4ms/step - loss:
// 0.3268 - accuracy: 0.8993"). On a terminal it redraws one line with '\r' and shows an ETA while
// running; otherwise (a log file, a pipe) it prints only the finished line, so logs get one line
// per epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tandem {

struct ProgbarOptions {
  int width = 30;
  int verbose = 1;         // 1: the bar; 2: only the finished line, with per-epoch time
  double interval = 0.05;  // seconds between redraws
  // Values shown as given rather than averaged over the steps (Keras's stateful_metrics).
  std::vector<std::string> stateful_metrics = {};
  // Every value is shown as given: fit's logs are already running means.
  bool all_stateful = false;
  std::string unit_name = "step";
  std::optional<bool> dynamic_display = std::nullopt;  // default: whether stdout is a terminal
};

class Progbar {
 public:
  // target: the number of steps, or nullopt when unknown ("   12/Unknown").
  Progbar(std::optional<int64_t> target, ProgbarOptions options = {});
  Progbar(std::optional<int64_t> target, ProgbarOptions options, std::ostream& out);

  // Marks `current` steps done with these values; finalize defaults to current >= target.
  void update(int64_t current, const std::vector<std::pair<std::string, double>>& values = {},
              std::optional<bool> finalize = std::nullopt);
  // Fixes the number of steps once known (Keras's ProgbarLogger does this at the end of a first
  // epoch of unknown length, so its finished line shows "4/4 [===...]" rather than "4/Unknown").
  void set_target(std::optional<int64_t> target) { target_ = target; }
  std::optional<int64_t> target() const { return target_; }

 private:
  using Clock = std::chrono::steady_clock;
  double seconds_since_start() const;
  double step_duration(int64_t current) const;
  std::string bar_text(int64_t current) const;
  std::string values_text() const;
  double average(const std::string& key) const;

  std::optional<int64_t> target_;
  ProgbarOptions options_;
  std::ostream& out_;
  bool dynamic_;
  Clock::time_point start_ = Clock::now();
  // Empty until the first draw, which is always due (the steady clock's epoch is boot time, so no
  // time point can stand for "long ago").
  std::optional<Clock::time_point> last_update_ = std::nullopt;
  std::optional<Clock::time_point> first_step_end_ = std::nullopt;
  int64_t seen_so_far_ = 0;
  size_t total_width_ = 0;
  std::vector<std::string> order_;
  std::vector<std::pair<double, double>> sums_;  // per key: (weighted sum, weight)
};

// "4ms/step", "2s/epoch", "350us/step": Keras's time-per-unit format.
std::string format_time_per_unit(double seconds, const std::string& unit_name);

}  // namespace tandem
