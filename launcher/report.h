// The one-line reports a rank wrapper sends to tandemrun through the launcher's stderr stream:
//   @@tandemrun@@ start <rank> <host>
//   @@tandemrun@@ exit <rank> <host> <exit code> <signal> <last lines, percent-encoded>
// They travel with the rank's output (mpirun and srun forward it from every node), so tandemrun
// learns which rank failed first, on which host, and how, without a shared file system.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tandem::launcher {

inline constexpr const char* kReportPrefix = "@@tandemrun@@ ";

struct RankReport {
  enum class Kind { kStart, kExit } kind = Kind::kStart;
  int rank = -1;
  std::string host;
  int exit_code = 0;              // kExit: the program's exit status (when signal == 0)
  int signal = 0;                 // kExit: the signal that ended the program, or 0
  std::vector<std::string> tail;  // kExit: the program's last output lines
};

// One line ending in '\n', shorter than 4000 bytes (one atomic pipe write; launchers forward it
// in one piece): long tail lines are cut.
std::string format_report(const RankReport& report);

// Parses one line (without its '\n'); nullopt when it is not a report.
std::optional<RankReport> parse_report(const std::string& line);

}  // namespace tandem::launcher
