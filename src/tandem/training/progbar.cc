#include "tandem/training/progbar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "tandem/training/logs.h"

namespace tandem {

namespace {

std::string printf_string(const char* format, auto... args) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

int digits(int64_t n) {
  return n <= 0 ? 1 : static_cast<int>(std::log10(static_cast<double>(n))) + 1;
}

std::string eta_text(double eta) {
  auto s = static_cast<int64_t>(eta);
  if (eta > 3600)
    return printf_string("%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s % 3600 / 60),
                         (long long)(s % 60));
  if (eta > 60) return printf_string("%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return printf_string("%llds", (long long)s);
}

}  // namespace

std::string format_time_per_unit(double seconds, const std::string& unit_name) {
  if (seconds >= 1 || seconds == 0) return printf_string("%.0fs/", seconds) + unit_name;
  if (seconds >= 1e-3) return printf_string("%.0fms/", seconds * 1e3) + unit_name;
  return printf_string("%.0fus/", seconds * 1e6) + unit_name;
}

Progbar::Progbar(std::optional<int64_t> target, ProgbarOptions options)
    : Progbar(target, std::move(options), std::cout) {}

Progbar::Progbar(std::optional<int64_t> target, ProgbarOptions options, std::ostream& out)
    : target_(target), options_(std::move(options)), out_(out) {
  dynamic_ = options_.dynamic_display.value_or(&out == &std::cout && isatty(STDOUT_FILENO));
}

double Progbar::seconds_since_start() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

// Keras excludes the first step (which includes warm-up) from the estimate once there are more.
double Progbar::step_duration(int64_t current) const {
  if (current <= 0) return 0.0;
  if (first_step_end_ && current > 1) {
    return std::chrono::duration<double>(Clock::now() - *first_step_end_).count() /
           static_cast<double>(current - 1);
  }
  return seconds_since_start() / static_cast<double>(current);
}

std::string Progbar::bar_text(int64_t current) const {
  if (!target_) return printf_string("%7lld/Unknown", (long long)current);
  int64_t target = *target_;
  std::string bar =
      printf_string("%*lld/%lld [", digits(target), (long long)current, (long long)target);
  double progress = target > 0 ? static_cast<double>(current) / static_cast<double>(target) : 1.0;
  int filled = std::min(options_.width, static_cast<int>(options_.width * progress));
  if (filled > 0) bar += std::string(filled - 1, '=') + (current < target ? ">" : "=");
  bar += std::string(options_.width - filled, '.') + "]";
  return bar;
}

double Progbar::average(const std::string& key) const {
  auto i = std::find(order_.begin(), order_.end(), key) - order_.begin();
  return sums_[i].first / std::max(1.0, sums_[i].second);
}

std::string Progbar::values_text() const {
  std::string text;
  for (const auto& key : order_) text += " - " + key + ": " + format_log_value(average(key));
  return text;
}

void Progbar::update(int64_t current, const std::vector<std::pair<std::string, double>>& values,
                     std::optional<bool> finalize_opt) {
  bool finalize = finalize_opt.value_or(target_ && current >= *target_);
  for (const auto& [key, value] : values) {
    auto it = std::find(order_.begin(), order_.end(), key);
    if (it == order_.end()) {
      order_.push_back(key);
      sums_.emplace_back(0.0, 0.0);
      it = order_.end() - 1;
    }
    auto& [sum, weight] = sums_[it - order_.begin()];
    bool stateful = options_.all_stateful ||
                    std::find(options_.stateful_metrics.begin(), options_.stateful_metrics.end(),
                              key) != options_.stateful_metrics.end();
    if (stateful) {
      sum = value, weight = 1.0;
    } else {
      double steps = static_cast<double>(std::max<int64_t>(current - seen_so_far_, 1));
      sum += value * steps, weight += steps;
    }
  }
  // Only a real first step times the warm-up; a bar that starts past step 1 has no such step.
  if (current == 1 && !first_step_end_) first_step_end_ = Clock::now();
  seen_so_far_ = current;

  auto now = Clock::now();
  if (options_.verbose == 1) {
    bool due = !last_update_ ||
               std::chrono::duration<double>(now - *last_update_).count() >= options_.interval;
    // Without a terminal only the finished line is printed: logs get one line per epoch.
    if (finalize || (dynamic_ && due)) {
      std::string bar = bar_text(current);
      std::string info;
      if (!target_ || finalize) {
        info = printf_string(" - %.0fs ", seconds_since_start()) +
               format_time_per_unit(step_duration(current), options_.unit_name);
      } else {
        info = " - ETA: " + eta_text(step_duration(current) * double(*target_ - current));
      }
      info += values_text();
      std::string line = (dynamic_ ? "\r" : "") + bar + info;
      size_t width = bar.size() + info.size();
      if (dynamic_ && width < total_width_) line += std::string(total_width_ - width, ' ');
      total_width_ = width;
      out_ << line << (finalize ? "\n" : "") << std::flush;
      last_update_ = now;
    }
  } else if (options_.verbose == 2 && finalize) {
    double epoch_seconds = seconds_since_start();
    int64_t steps = target_.value_or(std::max<int64_t>(current, 1));
    out_ << printf_string("%*lld/%lld - %.0fs", digits(steps), (long long)current, (long long)steps,
                          epoch_seconds)
         << values_text() << " - " << format_time_per_unit(epoch_seconds, "epoch") << " - "
         << format_time_per_unit(epoch_seconds / static_cast<double>(steps), options_.unit_name)
         << "\n"
         << std::flush;
  }
}

}  // namespace tandem
