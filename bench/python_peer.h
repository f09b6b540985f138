// Runs a PyTorch peer for a side-by-side benchmark: writes the Python script to a temporary file,
// runs it with Debian's /usr/bin/python3 (python3-torch), and reads the one number it prints.
// Returns 0 when the peer cannot run (python3-torch missing), so the BENCH line says peer=0.
// run_python_peer_values reads `count` numbers from the script's output (zeros where it fails).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

inline double run_python_peer(const std::string& script_text, const std::string& args) {
  std::string script = "/tmp/tandem_bench_peer_" + std::to_string(::getpid()) + ".py";
  std::ofstream(script) << script_text;
  std::string cmd = "/usr/bin/python3 " + script + " " + args + " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  double value = 0;
  if (pipe == nullptr || std::fscanf(pipe, "%lf", &value) != 1) value = 0;
  if (pipe != nullptr) ::pclose(pipe);
  std::remove(script.c_str());
  return value;
}

inline std::vector<double> run_python_peer_values(const std::string& script_text,
                                                  const std::string& args, size_t count) {
  std::string script = "/tmp/tandem_bench_peer_" + std::to_string(::getpid()) + ".py";
  std::ofstream(script) << script_text;
  std::string cmd = "/usr/bin/python3 " + script + " " + args + " 2>/dev/null";
  std::vector<double> values(count, 0.0);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  for (size_t i = 0; pipe != nullptr && i < count; ++i)
    if (std::fscanf(pipe, "%lf", &values[i]) != 1) break;
  if (pipe != nullptr) ::pclose(pipe);
  std::remove(script.c_str());
  return values;
}

}  // namespace bench
