#include "tandem/training/logs.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tandem/core/error.h"
#include "tandem/core/join.h"
#include "tandem/ops/math.h"

namespace tandem {

Logs::Logs(std::initializer_list<std::pair<std::string, double>> items) {
  for (const auto& [key, value] : items) set(key, value);
}

size_t Logs::find(const std::string& key) const {
  size_t i = 0;
  while (i < items_.size() && items_[i].first != key) ++i;
  return i;
}

void Logs::set(const std::string& key, double value) {
  const size_t i = find(key);
  std::erase_if(pending_, [i](const auto& p) { return p.first == i; });
  if (i < items_.size()) {
    items_[i].second = value;
  } else {
    items_.emplace_back(key, value);
  }
}

void Logs::set(const std::string& key, const Tensor& value) {
  TANDEM_CHECK(value.defined() && value.num_elements() == 1, ValueError, "logs: the value of '",
               key, "' must be a tensor of one element, received ",
               value.defined() ? value.shape().to_string() : std::string("an undefined tensor"));
  set(key, std::nan(""));  // its place in the order; the value comes when the logs are read
  pending_.emplace_back(find(key), value);
}

void Logs::resolve() const {
  for (const auto& [i, value] : pending_) items_[i].second = cast(value, float64).item<double>();
  pending_.clear();
}

bool Logs::contains(const std::string& key) const { return find(key) < items_.size(); }

std::optional<double> Logs::get(const std::string& key) const {
  const size_t i = find(key);
  if (i == items_.size()) return std::nullopt;
  resolve();
  return items_[i].second;
}

std::string Logs::key_list() const {
  std::string keys =
      join(items_, [](const auto& item) -> const std::string& { return item.first; });
  return keys;
}

double Logs::at(const std::string& key) const {
  auto value = get(key);
  TANDEM_CHECK(value.has_value(), ValueError, "logs have no '", key, "'; available: [", key_list(),
               "]");
  return *value;
}

void Logs::erase(const std::string& key) {
  resolve();  // the pending values' indices would shift
  std::erase_if(items_, [&](const auto& item) { return item.first == key; });
}

std::vector<double> Logs::values() const {
  resolve();
  std::vector<double> out;
  for (const auto& item : items_) out.push_back(item.second);
  return out;
}

std::string format_log_value(double value) {
  char buffer[64];
  // Keras's Progbar: 4 decimals, scientific notation for magnitudes at or below 1e-3.
  std::snprintf(buffer, sizeof buffer, std::fabs(value) > 1e-3 ? "%.4f" : "%.4e", value);
  return buffer;
}

std::string format_python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // The shortest round-trip digits and their decimal exponent, from "d.ddde±XX".
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value),
                                 std::chars_format::scientific);
  std::string text(buffer, end);
  size_t e = text.find('e');
  std::string digits = text.substr(0, e);
  std::erase(digits, '.');
  int exponent = std::stoi(text.substr(e + 1));
  // Appends only: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string here.
  std::string out;
  if (std::signbit(value)) out.push_back('-');
  auto n = static_cast<int>(digits.size());
  if (exponent < -4 || exponent >= 16) {  // Python's repr switches to scientific notation here
    out.push_back(digits[0]);
    if (n > 1) out.append(".").append(digits, 1, std::string::npos);
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out.append(exp_text);
  }
  int point = exponent + 1;  // digits before the decimal point
  if (point <= 0) return out.append("0.").append(-point, '0').append(digits);
  if (point >= n) return out.append(digits).append(point - n, '0').append(".0");
  return out.append(digits, 0, point).append(".").append(digits, point, std::string::npos);
}

std::string Logs::to_string() const {
  resolve();
  std::string out;
  for (const auto& [key, value] : items_) {
    if (!out.empty()) out += " - ";
    out += key + ": " + format_log_value(value);
  }
  return out;
}

}  // namespace tandem
