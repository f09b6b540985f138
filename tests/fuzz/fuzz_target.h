// A fuzz target: one function that takes any bytes and must end either with a valid result or by
// throwing a tandem::Error (IOError, ValueError, ...) that says what is wrong, never by crashing,
// leaking, hanging or throwing anything else. Each *_target.cc defines kFuzzTarget; the same
// function is run by the bounded mutation driver (mutation_driver.cc, built with the normal build
// and run by ctest) and, when the compiler is clang, by libFuzzer (libfuzzer_main.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tandem::fuzz {

struct Target {
  const char* name;
  // Runs one input; returns true for a valid result, false when it threw a tandem::Error.
  // Any other exception escapes: the driver reports it as a bug.
  bool (*run)(std::string_view input);
  // Valid inputs to start the mutations from.
  std::vector<std::string> (*seeds)();
};

// Defined by the target linked into the executable.
extern const Target kFuzzTarget;

// A scratch file for readers that take a path: unique per process, removed on destruction.
class ScratchFile {
 public:
  explicit ScratchFile(const char* target);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  // Replaces the file's content.
  void write(std::string_view bytes) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tandem::fuzz
