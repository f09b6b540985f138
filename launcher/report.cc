#include "report.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace tandem::launcher {
namespace {

constexpr size_t kMaxTailLine = 300;
constexpr size_t kMaxTailBytes = 3000;

std::string encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == '%' || c == 0x7f) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string format_report(const RankReport& report) {
  std::string line = kReportPrefix;
  if (report.kind == RankReport::Kind::kStart) {
    line += "start " + std::to_string(report.rank) + " " + encode(report.host);
  } else {
    line += "exit " + std::to_string(report.rank) + " " + encode(report.host) + " " +
            std::to_string(report.exit_code) + " " + std::to_string(report.signal) + " ";
    // The newest lines matter most: keep as many of the last ones as fit.
    std::vector<std::string> kept;
    size_t bytes = 0;
    for (auto it = report.tail.rbegin(); it != report.tail.rend(); ++it) {
      std::string piece = it->size() > kMaxTailLine ? it->substr(0, kMaxTailLine) + "..." : *it;
      std::string encoded = encode(piece);
      if (bytes + encoded.size() + 3 > kMaxTailBytes) break;
      bytes += encoded.size() + 3;
      kept.insert(kept.begin(), piece);
    }
    std::string joined;
    for (size_t i = 0; i < kept.size(); ++i) joined += (i ? "\n" : "") + kept[i];
    line += joined.empty() ? "-" : encode(joined);
  }
  return line + "\n";
}

std::optional<RankReport> parse_report(const std::string& line) {
  std::string prefix = kReportPrefix;
  if (line.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::istringstream in(line.substr(prefix.size()));
  std::string kind, host;
  RankReport r;
  if (!(in >> kind >> r.rank >> host)) return std::nullopt;
  r.host = decode(host);
  if (kind == "start") {
    r.kind = RankReport::Kind::kStart;
    return r;
  }
  if (kind != "exit") return std::nullopt;
  r.kind = RankReport::Kind::kExit;
  std::string tail;
  if (!(in >> r.exit_code >> r.signal >> tail)) return std::nullopt;
  if (tail != "-") {
    std::string text = decode(tail);
    size_t start = 0;
    while (true) {
      size_t nl = text.find('\n', start);
      r.tail.push_back(
          text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return r;
}

}  // namespace tandem::launcher
