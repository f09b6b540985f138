// Runs a PyTorch peer for a side-by-side benchmark: writes the Python script to a temporary file,
// runs it with Debian's /usr/bin/python3 (python3-torch), and reads the one number it prints.
// Returns 0 when the peer cannot run (python3-torch missing), so the BENCH line says peer=0.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

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

}  // namespace bench
