#include "tandem/training/logs.h"

#include <cmath>
#include <cstdio>

#include "tandem/core/error.h"

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

double Logs::at(const std::string& key) const {
  auto value = get(key);
  if (!value) {
    std::string known;
    for (const auto& item : items_) known += (known.empty() ? "" : ", ") + item.first;
    TANDEM_CHECK(false, ValueError, "logs have no '", key, "'; available: [", known, "]");
  }
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

std::string Logs::to_string() const {
  std::string out;
  for (const auto& [key, value] : items_) {
    if (!out.empty()) out += " - ";
    out += key + ": " + format_log_value(value);
  }
  return out;
}

}  // namespace tandem
