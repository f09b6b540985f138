#include "tandem/training/logs.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tandem/core/error.h"
#include "tandem/core/join.h"

namespace tandem {

Logs::Logs(std::initializer_list<std::pair<std::string, double>> items) {
  for (const auto& [key, value] : items) set(key, value);
}

void Logs::set(const std::string& key, double value) {
  for (auto& item : items_) {
    if (item.first == key) {
      item.second = value;
      return;
    }
  }
  items_.emplace_back(key, value);
}

bool Logs::contains(const std::string& key) const { return get(key).has_value(); }

std::optional<double> Logs::get(const std::string& key) const {
  for (const auto& item : items_) {
    if (item.first == key) return item.second;
  }
  return std::nullopt;
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
  std::erase_if(items_, [&](const auto& item) { return item.first == key; });
}

std::vector<double> Logs::values() const {
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
  std::string out;
  for (const auto& [key, value] : items_) {
    if (!out.empty()) out += " - ";
    out += key + ": " + format_log_value(value);
  }
  return out;
}

}  // namespace tandem
